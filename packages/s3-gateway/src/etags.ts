import type { JobStateStore, Logger, ObjectInfo, ObjectSummary } from '@stowage/core';
import { quoteEtag, unquoteEtag } from '@stowage/kit';
import type { GatewayBucket } from './buckets/bucket-resolver.js';

/** User-metadata names the gateway keeps for itself; clients cannot set or see them. */
export const HIDDEN_METADATA_PREFIX = 's3gw-';
/** The S3 ETag of an object written through the gateway, or `@<upload id>` for a multipart one. */
export const ETAG_METADATA = `${HIDDEN_METADATA_PREFIX}etag`;

const MD5_KIND = 's3-gateway-md5';
const MULTIPART_KIND = 's3-gateway-multipart';
const PART_KIND = 's3-gateway-part';

/** A small LRU map. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

/**
 * S3 ETags for stores whose own etags are not S3's (`recorded` buckets: local, hybrid). S3
 * clients compare ETags with MD5s (s3cmd after every upload, rclone after every copy), so the
 * gateway answers with MD5 ETags (and `<md5 of part md5s>-N` for multipart uploads) wherever
 * the store's etag is something else:
 * - a single upload's MD5 goes into the object's hidden metadata when known before the write
 *   (small bodies, or Content-MD5), else into a content-addressed record (store etag → MD5:
 *   the local store's etag derives from the bytes' sha256, so the record never goes stale);
 * - a multipart upload's object carries `@<upload id>` and its ETag is recorded at completion;
 * - part ETags (MD5s) are recorded per part until the upload completes or is aborted.
 * Records live in the runtime's job state store, so every gateway on one database agrees.
 * Objects written around the gateway keep the store's etag.
 */
export class Etags {
  private readonly cache = new Lru<string>(50_000);

  constructor(
    private readonly jobs: JobStateStore,
    private readonly logger?: Logger,
  ) {}

  /** The S3 ETag (quoted) of an object the store describes. */
  async of(bucket: GatewayBucket, info: ObjectInfo): Promise<string> {
    if (bucket.etags === 'native') return info.etag;
    const recorded = info.metadata[ETAG_METADATA];
    if (recorded !== undefined && !recorded.startsWith('@')) return quoteEtag(recorded);
    const cacheKey = `${bucket.name}\0${info.key}\0${info.etag}`;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) return cached;
    let etag: string | undefined;
    if (recorded?.startsWith('@')) {
      const job = await this.jobs.get<{ etag: string }>(MULTIPART_KIND, recorded.slice(1));
      etag = job?.data.etag;
    }
    etag ??= await this.contentEtag(info.etag);
    this.cache.set(cacheKey, etag);
    return etag;
  }

  /** The S3 ETags of listed objects, in order (a HEAD for each one not seen before). */
  async ofSummaries(bucket: GatewayBucket, items: readonly ObjectSummary[]): Promise<string[]> {
    if (bucket.etags === 'native') return items.map((i) => i.etag);
    const out: string[] = new Array(items.length);
    const misses: number[] = [];
    items.forEach((item, i) => {
      const hit = this.cache.get(`${bucket.name}\0${item.key}\0${item.etag}`);
      if (hit !== undefined) out[i] = hit;
      else misses.push(i);
    });
    let next = 0;
    const worker = async () => {
      while (next < misses.length) {
        const i = misses[next++]!;
        const item = items[i]!;
        try {
          const info = await bucket.store.head(item.key);
          out[i] = info.etag === item.etag ? await this.of(bucket, info) : await this.contentEtag(item.etag);
        } catch {
          // Gone since the listing: the listing's own etag is all there is.
          out[i] = await this.contentEtag(item.etag);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, misses.length) }, worker));
    return out;
  }

  /** Records the MD5 of a single upload whose store etag is `storeEtag`. */
  async recordContent(storeEtag: string, md5: string): Promise<void> {
    const id = unquoteEtag(storeEtag);
    if (id === md5) return;
    this.cache.set(`md5\0${id}`, quoteEtag(md5));
    try {
      await this.jobs.save(MD5_KIND, id, { md5 });
    } catch (error) {
      this.logger?.warn('s3 gateway: could not record an object MD5', { error: String(error) });
    }
  }

  private async contentEtag(storeEtag: string): Promise<string> {
    const id = unquoteEtag(storeEtag);
    const cached = this.cache.get(`md5\0${id}`);
    if (cached !== undefined) return cached;
    const job = /^[0-9A-Za-z._-]{1,200}$/.test(id)
      ? await this.jobs.get<{ md5: string }>(MD5_KIND, id)
      : null;
    const etag = job === null ? quoteEtag(storeEtag) : quoteEtag(job.data.md5);
    this.cache.set(`md5\0${id}`, etag);
    return etag;
  }

  /** Records the ETag a completed multipart upload answers with. */
  async recordMultipart(uploadId: string, etag: string): Promise<void> {
    await this.jobs.save(MULTIPART_KIND, uploadId, { etag });
  }

  async recordPart(uploadId: string, part: number, record: PartRecord): Promise<void> {
    await this.jobs.save(PART_KIND, `${uploadId}.${part}`, record);
  }

  async part(uploadId: string, part: number): Promise<PartRecord | null> {
    return (await this.jobs.get<PartRecord>(PART_KIND, `${uploadId}.${part}`))?.data ?? null;
  }

  async forgetParts(uploadId: string, parts: readonly number[]): Promise<void> {
    await Promise.all(parts.map((n) => this.jobs.delete(PART_KIND, `${uploadId}.${n}`).catch(() => {})));
  }
}

/** What the gateway keeps of an uploaded part: its MD5 (the part's S3 ETag) and the port's sha256. */
export interface PartRecord {
  md5: string;
  sha256: string;
}
