import { type Cdn, type Clock, isStorageError, StorageError, TOKENS } from '@stowage/core';
import { sha256Hex } from '@stowage/kit';
import { fileTypeFromBuffer } from 'file-type';
import { inject, injectable } from 'tsyringe';
import { z } from 'zod';
import type { JsonDocuments } from '../documents/json-documents.js';
import type { KeyGenerator } from '../keys/key-generator.js';
import type { CdnRef, ObjectStorage } from '../storage/object-storage.js';
import { SingleFlight } from '../storage/single-flight.js';
import { SERVICE_TOKENS } from '../tokens.js';

export interface AssetsConfig {
  /** Key prefix of persisted assets; default "assets". */
  prefix?: string;
  /** Largest asset in bytes (remote fetches stop there); default 20 MiB. */
  maxBytes?: number;
  /** Remote fetches give up after this; default 10000 ms. */
  fetchTimeoutMs?: number;
  /** Where the blocklist of failing sources is kept (a JSON document); default "assets/blocklist.json". */
  blocklistDocument?: string;
  /** A failing source is not tried again for this long; default 24 h. */
  blocklistTtlMs?: number;
  /** Most sources remembered; the oldest are forgotten first. Default 1000. */
  blocklistMaxEntries?: number;
}

export interface PersistedAsset {
  key: string;
  /** Through the CDN when there is one. */
  url: string | undefined;
  contentType: string;
  size: number;
  sha256: string;
  /** False when the same bytes were already stored (nothing was uploaded). */
  created: boolean;
}

const blocklistSchema = z.object({
  sources: z.record(z.string(), z.object({ until: z.number(), reason: z.string() })),
});
type Blocklist = z.infer<typeof blocklistSchema>;

/**
 * Persists bytes, base64 data URIs and remote URLs idempotently under content-hash keys (the
 * seeds' image persistence): a HEAD before upload skips bytes already stored, concurrent
 * persists of the same bytes share one upload, the format comes from the bytes, and the
 * answer carries the CDN URL. Remote sources that fail are remembered in a bounded, TTL'd
 * blocklist kept as a JSON document, so a dead source is not hammered on every request.
 */
@injectable()
export class Assets {
  private readonly cdn: Cdn | null;
  private readonly prefix: string;
  private readonly maxBytes: number;
  private readonly fetchTimeoutMs: number;
  private readonly blocklistDocument: string;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly uploads = new SingleFlight<PersistedAsset>();
  private blocklist: Blocklist | undefined;

  constructor(
    @inject(SERVICE_TOKENS.ObjectStorage) private readonly storage: ObjectStorage,
    @inject(SERVICE_TOKENS.JsonDocuments) private readonly documents: JsonDocuments,
    @inject(SERVICE_TOKENS.KeyGenerator) private readonly keys: KeyGenerator,
    @inject(SERVICE_TOKENS.CdnRef) cdnRef: CdnRef,
    @inject(SERVICE_TOKENS.Fetch) private readonly fetchImpl: typeof globalThis.fetch,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(SERVICE_TOKENS.AssetsConfig) config: AssetsConfig,
  ) {
    this.cdn = cdnRef.cdn;
    this.prefix = config.prefix ?? 'assets';
    this.maxBytes = config.maxBytes ?? 20 * 1024 * 1024;
    this.fetchTimeoutMs = config.fetchTimeoutMs ?? 10_000;
    this.blocklistDocument = config.blocklistDocument ?? 'assets/blocklist.json';
    this.ttlMs = config.blocklistTtlMs ?? 24 * 3600 * 1000;
    this.maxEntries = config.blocklistMaxEntries ?? 1000;
  }

  /** @throws PayloadTooLarge above `maxBytes`. */
  async persistBytes(bytes: Uint8Array, options: { contentType?: string } = {}): Promise<PersistedAsset> {
    if (bytes.byteLength > this.maxBytes) {
      throw new StorageError(
        'PayloadTooLarge',
        `The asset is ${bytes.byteLength} bytes; the limit is ${this.maxBytes}`,
        {
          operation: 'persistAsset',
        },
      );
    }
    const sha256 = sha256Hex(bytes);
    return this.uploads.run(sha256, () => this.store(Buffer.from(bytes), sha256, options.contentType));
  }

  /** `data:[type][;base64],…`. @throws InvalidInput for anything else. */
  async persistDataUri(uri: string): Promise<PersistedAsset> {
    const match = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(uri);
    if (match === null)
      throw new StorageError('InvalidInput', 'Not a data: URI', { operation: 'persistAsset' });
    const [, type, base64, data] = match;
    const bytes =
      base64 !== undefined ? Buffer.from(data!, 'base64') : Buffer.from(decodeURIComponent(data!), 'utf8');
    return this.persistBytes(bytes, type === '' ? {} : { contentType: type! });
  }

  /**
   * Fetches `url` (http or https only; at most `maxBytes`, within `fetchTimeoutMs`) and
   * persists it. A failure blocks the source for `blocklistTtlMs`.
   * @throws Unavailable for a blocked source (not retryable until it expires) or a failed fetch.
   */
  async persistUrl(url: string): Promise<PersistedAsset> {
    const ctx = { operation: 'persistAsset', key: url };
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new StorageError('InvalidInput', 'Not a URL', ctx);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new StorageError('InvalidInput', 'Only http(s) URLs are fetched', ctx);
    const blocked = (await this.loadBlocklist()).sources[parsed.href];
    if (blocked !== undefined && blocked.until > this.clock.now().getTime()) {
      throw new StorageError(
        'Unavailable',
        `${parsed.host} failed recently (${blocked.reason}); not retried before ${new Date(blocked.until).toISOString()}`,
        {
          ...ctx,
          retryable: false,
        },
      );
    }
    let bytes: Buffer;
    try {
      bytes = await this.download(parsed.href);
    } catch (error) {
      await this.block(
        parsed.href,
        isStorageError(error) ? `${error.kind}: ${error.message}` : String(error),
      );
      throw isStorageError(error)
        ? error
        : new StorageError('Unavailable', `Fetching ${parsed.host} failed`, { ...ctx, cause: error });
    }
    return this.persistBytes(bytes);
  }

  private async store(
    bytes: Buffer,
    sha256: string,
    claimedType: string | undefined,
  ): Promise<PersistedAsset> {
    const detected = await fileTypeFromBuffer(bytes.subarray(0, 4100));
    const contentType = detected?.mime ?? claimedType ?? 'application/octet-stream';
    const key = this.keys.contentHash(bytes, {
      prefix: this.prefix,
      ...(detected === undefined ? {} : { ext: detected.ext }),
    });
    const url = this.cdn?.publicUrl(key);
    const asset = { key, url, contentType, size: bytes.length, sha256 };
    if (await this.storage.exists(key)) return { ...asset, created: false };
    try {
      await this.storage.put(key, bytes, { contentType, category: 'public-asset', sha256, ifNoneMatch: '*' });
    } catch (error) {
      // Another process stored the same bytes meanwhile: the same key holds the same content.
      if (isStorageError(error, 'AlreadyExists')) return { ...asset, created: false };
      if (!isStorageError(error, 'Unsupported')) throw error;
      await this.storage.put(key, bytes, { contentType, category: 'public-asset', sha256 });
    }
    return { ...asset, created: true };
  }

  private async download(url: string): Promise<Buffer> {
    const ctx = { operation: 'fetchAsset', key: url };
    const response = await this.fetchImpl(url, {
      signal: AbortSignal.timeout(this.fetchTimeoutMs),
      redirect: 'follow',
    }).catch((error: unknown) => {
      const timedOut = (error as { name?: string })?.name === 'TimeoutError';
      throw new StorageError(timedOut ? 'Timeout' : 'Unavailable', `Fetching ${new URL(url).host} failed`, {
        ...ctx,
        cause: error,
      });
    });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new StorageError(
        response.status === 404 ? 'NotFound' : 'Unavailable',
        `${new URL(url).host} answered ${response.status}`,
        {
          ...ctx,
          status: response.status,
        },
      );
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > this.maxBytes) {
      await response.body.cancel();
      throw new StorageError(
        'PayloadTooLarge',
        `${url} is ${declared} bytes; the limit is ${this.maxBytes}`,
        ctx,
      );
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > this.maxBytes) {
        throw new StorageError('PayloadTooLarge', `${url} exceeds the ${this.maxBytes}-byte limit`, ctx);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }

  private async loadBlocklist(): Promise<Blocklist> {
    this.blocklist ??= (await this.documents.read(this.blocklistDocument, blocklistSchema)) ?? {
      sources: {},
    };
    return this.blocklist;
  }

  private async block(source: string, reason: string): Promise<void> {
    const now = this.clock.now().getTime();
    const next = await this.documents.update(this.blocklistDocument, blocklistSchema, (current) => {
      const entries = Object.entries(current?.sources ?? {}).filter(([, entry]) => entry.until > now);
      entries.push([source, { until: now + this.ttlMs, reason: reason.slice(0, 200) }]);
      // Bounded: the entries blocked longest ago go first.
      entries.sort((a, b) => a[1].until - b[1].until);
      return { sources: Object.fromEntries(entries.slice(-this.maxEntries)) };
    });
    this.blocklist = next;
  }
}
