import {
  type AuditLog,
  type Body,
  type MetadataRepository,
  type ObjectInfo,
  type ObjectRecord,
  type Progress,
  StorageError,
  TOKENS,
  type Visibility,
} from '@stowage/core';
import { inspectStream } from '@stowage/kit';
import { inject, injectable } from 'tsyringe';
import type { KeyGenerator } from '../keys/key-generator.js';
import { normalizeExtension } from '../keys/normalize-extension.js';
import type { ContentCategory } from '../storage/content-categories.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import { SERVICE_TOKENS } from '../tokens.js';
import { type Sniffed, sniff, tooLarge } from './sniff.js';

export interface UploadsConfig {
  /** Largest upload in bytes; default 100 MiB. */
  maxBytes?: number;
  /**
   * Allowed content types, judged by magic bytes (never by the name or the claimed type):
   * exact (`image/png`) or by family (`image/*`). Default: any type.
   */
  allowedTypes?: readonly string[];
  /** Images wider, taller or with more pixels than this are refused. Default: no limit. */
  maxImage?: { width?: number; height?: number; pixels?: number };
  /** Key pattern when the caller gives no key (see KeyGenerator); default `uploads/{yyyy}/{mm}/{dd}/{hash}.{ext}`. */
  keyPattern?: string;
}

export interface UploadRequest {
  body: Body;
  /** Where to store it; without it the key comes from `keyPattern`. */
  key?: string;
  /** The name the client gave the file (only its extension is used, and only when the bytes agree). */
  filename?: string;
  /** The type the client claimed; refused when the bytes say otherwise. */
  claimedType?: string;
  /** Declared length: a body of another length fails with `Integrity`. */
  contentLength?: number;
  owner?: string;
  category?: ContentCategory;
  visibility?: Visibility;
  metadata?: Record<string, string>;
  attributes?: Record<string, unknown>;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export interface UploadResult {
  info: ObjectInfo;
  record: ObjectRecord;
  /** Detected from the bytes. */
  contentType: string;
  image?: { width: number; height: number };
}

/** Types that never match a claimed type by accident: containers of other formats. */
const GENERIC_TYPES = new Set(['application/octet-stream', 'application/zip', 'application/x-cfb']);

/**
 * Validated uploads: the type comes from the bytes (an `.exe` renamed `.png` is refused), the
 * size is enforced while the body streams (never buffered; over the limit the write fails and
 * nothing is stored), image dimensions come from the header alone (no decode). Only then does
 * the object become visible; the upload is recorded in the metadata repository and the audit
 * log. Large or unknown-length bodies go to the store as streams, which the adapters send in
 * parts, with progress.
 */
@injectable()
export class Uploads {
  private readonly maxBytes: number;
  private readonly allowed: readonly string[] | undefined;
  private readonly maxImage: UploadsConfig['maxImage'];
  private readonly keyPattern: string;

  constructor(
    @inject(SERVICE_TOKENS.ObjectStorage) private readonly storage: ObjectStorage,
    @inject(TOKENS.MetadataRepository) private readonly metadata: MetadataRepository,
    @inject(TOKENS.AuditLog) private readonly audit: AuditLog,
    @inject(SERVICE_TOKENS.KeyGenerator) private readonly keys: KeyGenerator,
    @inject(SERVICE_TOKENS.UploadsConfig) config: UploadsConfig,
  ) {
    this.maxBytes = config.maxBytes ?? 100 * 1024 * 1024;
    this.allowed = config.allowedTypes;
    this.maxImage = config.maxImage;
    this.keyPattern = config.keyPattern ?? 'uploads/{yyyy}/{mm}/{dd}/{hash}.{ext}';
  }

  /**
   * @throws PayloadTooLarge from `contentLength` at once, or as the body crosses the limit.
   * @throws InvalidInput for a type not allowed, bytes that contradict the claimed type or the
   *   file name's extension, or an image over the size limits. Nothing is stored then.
   * @throws the store's kinds for the write itself.
   */
  async upload(request: UploadRequest): Promise<UploadResult> {
    const keyHint = request.key;
    if (request.contentLength !== undefined && request.contentLength > this.maxBytes) {
      throw tooLarge(request.contentLength, this.maxBytes, keyHint);
    }
    const sniffed = await sniff(request.body);
    let body = sniffed.body;
    try {
      if (sniffed.size !== undefined && sniffed.size > this.maxBytes)
        throw tooLarge(sniffed.size, this.maxBytes, keyHint);
      const contentType = this.checkType(sniffed, request);
      this.checkImage(sniffed, keyHint);
      const key = request.key ?? this.generatedKey(sniffed, request);
      if (sniffed.size === undefined) {
        let seen = 0;
        const max = this.maxBytes;
        body = inspectStream(body as import('node:stream').Readable, (chunk) => {
          seen += chunk.length;
          if (seen > max) throw tooLarge(seen, max, key);
        });
      }
      const info = await this.storage.put(key, body, {
        contentType,
        ...(request.category === undefined ? {} : { category: request.category }),
        ...(request.visibility === undefined ? {} : { visibility: request.visibility }),
        ...(request.metadata === undefined ? {} : { metadata: request.metadata }),
        ...(request.contentLength === undefined ? {} : { contentLength: request.contentLength }),
        ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
      const record = await this.metadata.upsert({
        key,
        backend: this.storage.name,
        size: info.size,
        contentType: info.contentType,
        etag: info.etag,
        visibility: info.visibility,
        ...(info.sha256 === undefined ? {} : { sha256: info.sha256 }),
        ...(request.category === undefined ? {} : { category: request.category }),
        ...(request.owner === undefined ? {} : { owner: request.owner }),
        attributes: {
          ...request.attributes,
          ...(sniffed.image === undefined
            ? {}
            : { width: sniffed.image.width, height: sniffed.image.height }),
          ...(request.filename === undefined ? {} : { filename: request.filename }),
        },
      });
      await this.audit.append({
        action: 'upload',
        key,
        at: new Date(),
        ...(request.owner === undefined ? {} : { actor: request.owner }),
        details: { size: info.size, contentType, sha256: info.sha256 ?? null },
      });
      const result: UploadResult = { info, record, contentType };
      if (sniffed.image !== undefined) result.image = sniffed.image;
      return result;
    } catch (error) {
      // A refused upload's stream is released at once (it holds the client's connection).
      const stream = body as unknown as { destroy?: () => void };
      if (typeof stream.destroy === 'function') stream.destroy();
      throw error;
    }
  }

  private checkType(sniffed: Sniffed, request: UploadRequest): string {
    const detected =
      sniffed.type?.mime ?? (looksLikeText(request) ? textTypeOf(request) : 'application/octet-stream');
    const ctx = { operation: 'upload', ...(request.key === undefined ? {} : { key: request.key }) };
    if (this.allowed !== undefined && !this.allowed.some((allowed) => typeMatches(detected, allowed))) {
      throw new StorageError(
        'InvalidInput',
        `Uploads of ${detected} are not allowed (allowed: ${this.allowed.join(', ')})`,
        ctx,
      );
    }
    const claimed = request.claimedType?.split(';', 1)[0]?.trim().toLowerCase();
    if (
      claimed !== undefined &&
      claimed !== '' &&
      sniffed.type !== undefined &&
      !GENERIC_TYPES.has(claimed) &&
      claimed !== detected
    ) {
      throw new StorageError(
        'InvalidInput',
        `The upload claims to be ${claimed} but its bytes are ${detected}`,
        ctx,
      );
    }
    const ext = extensionOf(request.filename ?? request.key);
    if (ext !== undefined && sniffed.type !== undefined && normalizeExtension(sniffed.type.ext) !== ext) {
      throw new StorageError(
        'InvalidInput',
        `The file is named .${ext} but its bytes are ${detected} (.${sniffed.type.ext})`,
        ctx,
      );
    }
    return detected;
  }

  private checkImage(sniffed: Sniffed, key: string | undefined): void {
    const limit = this.maxImage;
    const image = sniffed.image;
    if (limit === undefined || image === undefined) return;
    const ctx = { operation: 'upload', ...(key === undefined ? {} : { key }) };
    if (
      (limit.width !== undefined && image.width > limit.width) ||
      (limit.height !== undefined && image.height > limit.height) ||
      (limit.pixels !== undefined && image.width * image.height > limit.pixels)
    ) {
      throw new StorageError(
        'InvalidInput',
        `The image is ${image.width}×${image.height}, over the allowed dimensions`,
        ctx,
      );
    }
  }

  private generatedKey(sniffed: Sniffed, request: UploadRequest): string {
    const ext = sniffed.type?.ext ?? extensionOf(request.filename) ?? 'bin';
    const seed = `${request.filename ?? ''}:${Date.now()}:${Math.random()}`;
    return this.keys.fromPattern(this.keyPattern, { hash: this.keys.contentHash(seed, { length: 24 }), ext });
  }
}

function typeMatches(type: string, allowed: string): boolean {
  return allowed.endsWith('/*') ? type.startsWith(allowed.slice(0, -1)) : type === allowed;
}

function extensionOf(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return undefined;
  try {
    return normalizeExtension(base.slice(dot + 1));
  } catch {
    return undefined;
  }
}

/** Text formats have no magic bytes; only the claimed type or the name can say what they are. */
function looksLikeText(request: UploadRequest): boolean {
  return (
    /^(text\/|application\/json)/.test(request.claimedType ?? '') ||
    /\.(txt|csv|json|md|html|css)$/i.test(request.filename ?? request.key ?? '')
  );
}

function textTypeOf(request: UploadRequest): string {
  const claimed = request.claimedType?.split(';', 1)[0]?.trim().toLowerCase();
  if (claimed !== undefined && claimed !== '') return claimed;
  const ext = extensionOf(request.filename ?? request.key);
  return (
    {
      txt: 'text/plain',
      csv: 'text/csv',
      json: 'application/json',
      md: 'text/markdown',
      html: 'text/html',
      css: 'text/css',
    }[ext ?? ''] ?? 'application/octet-stream'
  );
}
