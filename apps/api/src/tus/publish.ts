import type { Readable } from 'node:stream';
import {
  type Body,
  isStorageError,
  isValidKey,
  type ObjectInfo,
  StorageError,
  toReadable,
  type Visibility,
} from '@stowage/core';
import { encodeKeyPath, sha256OfStream } from '@stowage/kit';
import {
  type KeyGenerator,
  type ObjectStorage,
  SERVICE_TOKENS,
  SNIFF_BYTES,
  type StoragePutOptions,
  type UploadResult,
  Uploads,
  type UploadsConfig,
} from '@stowage/services';
import { type ApiContext, RESERVED_PREFIX } from '../http/api-context.js';

/** Where resumable uploads keep what is theirs until it becomes an object: never listed, never uploaded to. */
export const RESUMABLE_PREFIX = '.stowage/resumable/';

/** What a resumable upload asks of the object it becomes. */
export interface PublishRequest {
  /** The assembled bytes, under the reserved prefix. */
  staged: string;
  /** Their length. */
  size: number;
  /** The key asked for; without one the Uploads service picks it from its pattern and the bytes. */
  key?: string;
  filename?: string;
  claimedType?: string;
  visibility?: Visibility;
  metadata?: Record<string, string>;
  owner: string;
  /**
   * `full`: read every byte once (the length is checked and the sha256 computed) — tus, whose
   * bytes came through the service anyway. `head`: read the first bytes only, enough to judge
   * the type and an image's dimensions — direct uploads, whose bytes never touched the service.
   */
  read: 'full' | 'head';
  /** A sha256 already verified by the upload session (direct uploads whose client gave one). */
  sha256?: string;
}

/** Errors that mean "refused": the upload is dropped and nothing shows. Anything else may be retried. */
export function isRefusal(error: unknown): boolean {
  return (
    isStorageError(error) &&
    ['InvalidInput', 'PayloadTooLarge', 'Integrity', 'InvalidKey', 'AlreadyExists'].includes(error.kind)
  );
}

/**
 * Makes an assembled resumable upload an object, through the Uploads service's own checks and
 * records: type by magic bytes (against the claimed type and the file name), size, image
 * dimensions; then the metadata record and the `upload` audit event. The Uploads service runs
 * as for any upload, with one difference: its write is a move of the staged bytes to the key
 * (a rename or a server-side copy), never a second upload. Until that move nothing shows at
 * the key; a refusal throws before it and the staged bytes stay for the caller to drop.
 * @throws what `Uploads.upload` throws (InvalidInput, PayloadTooLarge, …), Integrity when the
 *   staged bytes are not `size` long, and the store's kinds.
 */
export async function publishStaged(ctx: ApiContext, request: PublishRequest): Promise<UploadResult> {
  const { runtime } = ctx;
  const config = runtime.resolve<UploadsConfig>(SERVICE_TOKENS.UploadsConfig);
  const keys = runtime.resolve<KeyGenerator>(SERVICE_TOKENS.KeyGenerator);
  const mover = {
    get name() {
      return ctx.storage.name;
    },
    put: async (key: string, body: Body, options: StoragePutOptions = {}): Promise<ObjectInfo> => {
      let sha256 = request.sha256;
      const stream = toReadable(body);
      if (request.read === 'full') {
        const read = await sha256OfStream(stream);
        if (read.bytes !== request.size) {
          throw new StorageError(
            'Integrity',
            `The assembled upload is ${read.bytes} bytes, not the ${request.size} received`,
            { operation: 'upload', key },
          );
        }
        sha256 = read.sha256;
      } else {
        // Only the head was read: drain what is left of it.
        for await (const _ of stream as Readable);
      }
      const info = await ctx.storage.move(request.staged, key, {
        ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
        ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
        ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
        ...(options.cacheControl === undefined ? {} : { cacheControl: options.cacheControl }),
      });
      return sha256 === undefined ? info : { ...info, sha256 };
    },
  };
  const uploads = new Uploads(
    mover as unknown as ObjectStorage,
    runtime.database.metadata,
    runtime.database.audit,
    keys,
    config,
  );
  const body: Body =
    request.size === 0
      ? Buffer.alloc(0)
      : request.read === 'full'
        ? (await runtime.store.get(request.staged)).body
        : (
            await runtime.store.get(request.staged, {
              range: { start: 0, end: Math.min(request.size, SNIFF_BYTES) - 1 },
            })
          ).body;
  return uploads.upload({
    body,
    contentLength: request.size,
    owner: request.owner,
    ...(request.key === undefined ? {} : { key: request.key }),
    ...(request.filename === undefined ? {} : { filename: request.filename }),
    ...(request.claimedType === undefined ? {} : { claimedType: request.claimedType }),
    ...(request.visibility === undefined ? {} : { visibility: request.visibility }),
    ...(request.metadata === undefined ? {} : { metadata: request.metadata }),
    attributes: { resumable: request.read === 'full' ? 'tus' : 'direct' },
  });
}

/** What a completed resumable upload answers with: the object as `PUT /v1/objects/…` describes it. */
export interface PublishedObject {
  key: string;
  etag: string;
  size: number;
  sha256?: string;
  contentType: string;
  visibility: Visibility;
  image?: { width: number; height: number };
  urls: { api: string; cdn?: string };
}

export function publishedObject(ctx: ApiContext, base: string, result: UploadResult): PublishedObject {
  const { info } = result;
  return {
    key: info.key,
    etag: info.etag,
    size: info.size,
    ...(info.sha256 === undefined ? {} : { sha256: info.sha256 }),
    contentType: result.contentType,
    visibility: info.visibility,
    ...(result.image === undefined ? {} : { image: result.image }),
    urls: {
      api: `${base}v1/objects/${encodeKeyPath(info.key)}`,
      ...(ctx.runtime.cdn !== null && info.visibility === 'public'
        ? { cdn: ctx.runtime.cdn.publicUrl(info.key) }
        : {}),
    },
  };
}

/** The service's base URL as clients reach it (ending in "/"). */
export function baseUrlOf(
  ctx: ApiContext,
  headers: { host?: string | undefined },
  protocol = 'http',
): string {
  return ctx.runtime.config.server?.publicUrl ?? `${protocol}://${headers.host ?? '127.0.0.1'}/`;
}

/** Removes objects, ignoring those already gone. */
export async function removeQuietly(ctx: ApiContext, keys: Iterable<string>): Promise<void> {
  for (const key of keys) {
    await ctx.runtime.store.delete(key).catch((error: unknown) => {
      if (!isStorageError(error, 'NotFound')) throw error;
    });
  }
}

/** What a resumable upload is asked to become, as a client names it. */
export interface ResumableRequest {
  key?: string;
  filename?: string;
  claimedType?: string;
  visibility?: Visibility;
}

/**
 * Checks what a client asks of a resumable upload at its creation, before any byte is taken.
 * @throws InvalidKey for a reserved or invalid key; InvalidInput for a visibility that is not
 *   "public"/"private", or "public" on a store without per-object visibility.
 */
export function checkResumableRequest(
  ctx: ApiContext,
  given: { key?: string; filename?: string; claimedType?: string; visibility?: string },
): ResumableRequest {
  const op = { operation: 'createUpload' };
  const { key, visibility, filename } = given;
  if (key !== undefined) {
    if (key.startsWith(RESERVED_PREFIX))
      throw new StorageError('InvalidKey', `Keys under ${RESERVED_PREFIX} are reserved`, { ...op, key });
    if (!isValidKey(key))
      throw new StorageError('InvalidKey', `${JSON.stringify(key)} is not a valid key`, op);
  }
  if (visibility !== undefined && visibility !== 'public' && visibility !== 'private')
    throw new StorageError('InvalidInput', 'visibility must be "public" or "private"', op);
  if (visibility === 'public' && !ctx.runtime.store.capabilities.visibility) {
    throw new StorageError(
      'InvalidInput',
      `${ctx.runtime.store.name} cannot make objects public (the bucket's policy decides)`,
      op,
    );
  }
  // A browser's guess for files it does not know claims nothing.
  const claimed =
    given.claimedType === undefined ||
    given.claimedType === '' ||
    given.claimedType === 'application/octet-stream'
      ? undefined
      : given.claimedType;
  return {
    ...(key === undefined ? {} : { key }),
    ...(filename === undefined || filename === '' ? {} : { filename }),
    ...(claimed === undefined ? {} : { claimedType: claimed }),
    ...(visibility === undefined ? {} : { visibility: visibility as Visibility }),
  };
}
