import { mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type BucketInfo, type Clock, type JobStateStore, StorageError } from '@stowage/core';
import { assertBucketName, StagedUploadSessions } from '@stowage/kit';
import { LocalObjectStore } from '@stowage/local';
import type { BucketResolver, GatewayBucket } from './bucket-resolver.js';
import { type PrimaryBucket, primaryInfo } from './primary-bucket.js';

export interface LocalBucketsConfig {
  /** One directory per bucket: `<root>/<bucket>` (default `<dataDir>/buckets`). */
  root: string;
  /** Parts of multipart uploads wait in `<stagingRoot>/<bucket>` (default `<dataDir>/uploads/buckets`). */
  stagingRoot: string;
  /** Session state (the runtime's job state store: PGlite or PostgreSQL). */
  jobs: JobStateStore;
  clock?: Clock;
  fsync?: boolean;
  /** A bucket name served by the runtime's own store (`<dataDir>/objects`), if any. */
  primary?: PrimaryBucket;
}

/**
 * Local mode: bucket `b` is a LocalObjectStore rooted at `<root>/b`, made by CreateBucket (a
 * directory that does not exist is NoSuchBucket); multipart parts are staged in a directory of
 * their own per bucket, session state in the runtime's job state store.
 */
export class LocalBuckets implements BucketResolver {
  private readonly open = new Map<string, GatewayBucket>();

  constructor(private readonly config: LocalBucketsConfig) {}

  async list(): Promise<BucketInfo[]> {
    const out: BucketInfo[] = [];
    if (this.config.primary !== undefined) out.push(primaryInfo(this.config.primary));
    let names: string[] = [];
    try {
      names = await readdir(this.config.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const name of names.sort()) {
      if (name === this.config.primary?.name || !isBucketName(name)) continue;
      const st = await stat(join(this.config.root, name)).catch(() => undefined);
      if (st?.isDirectory())
        out.push({ name, createdAt: st.birthtime.getTime() > 0 ? st.birthtime : st.mtime });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async get(name: string): Promise<GatewayBucket | null> {
    if (name === this.config.primary?.name) return this.config.primary.bucket;
    if (!isBucketName(name)) return null;
    const cached = this.open.get(name);
    const st = await stat(join(this.config.root, name)).catch(() => undefined);
    if (st === undefined || !st.isDirectory()) {
      this.open.delete(name);
      return null;
    }
    if (cached !== undefined) return cached;
    const clock = this.config.clock === undefined ? {} : { clock: this.config.clock };
    const store = new LocalObjectStore({
      root: join(this.config.root, name),
      fsync: this.config.fsync ?? true,
      ...clock,
    });
    const staging = new LocalObjectStore({
      root: join(this.config.stagingRoot, name),
      fsync: false,
      ...clock,
    });
    const bucket: GatewayBucket = {
      name,
      store,
      sessions: new StagedUploadSessions({
        store,
        staging,
        jobs: this.config.jobs,
        namespace: `s3-gateway-local-${name}`,
        ...clock,
      }),
      etags: 'recorded',
    };
    this.open.set(name, bucket);
    return bucket;
  }

  async create(name: string): Promise<void> {
    assertBucketName(name, { operation: 'createBucket', backend: 'local' });
    if (name === this.config.primary?.name) throw alreadyExists(name);
    await mkdir(this.config.root, { recursive: true });
    try {
      await mkdir(join(this.config.root, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(name);
      throw error;
    }
  }

  async delete(name: string): Promise<void> {
    const ctx = { operation: 'deleteBucket', backend: 'local' };
    if (name === this.config.primary?.name) {
      throw new StorageError(
        'Conflict',
        'The runtime’s own bucket cannot be deleted through the gateway',
        ctx,
      );
    }
    const bucket = await this.get(name);
    if (bucket === null) throw new StorageError('NotFound', `No bucket ${JSON.stringify(name)}`, ctx);
    const page = await bucket.store.listPage({ limit: 1 });
    if (page.items.length > 0 || page.prefixes.length > 0) {
      throw new StorageError('Conflict', `Bucket ${JSON.stringify(name)} is not empty`, ctx);
    }
    const open = await bucket.sessions.list({ limit: 1 });
    for (const session of open.items) await bucket.sessions.abort(session.id);
    this.open.delete(name);
    // Only the store's own bookkeeping files remain; the directory goes with them.
    await rm(join(this.config.root, name), { recursive: true, force: true });
    await rm(join(this.config.stagingRoot, name), { recursive: true, force: true });
    await rmdir(this.config.stagingRoot).catch(() => {});
  }

  async close(): Promise<void> {
    this.open.clear();
  }
}

function isBucketName(name: string): boolean {
  try {
    assertBucketName(name);
    return true;
  } catch {
    return false;
  }
}

function alreadyExists(name: string): StorageError {
  return new StorageError('AlreadyExists', `Bucket ${JSON.stringify(name)} exists`, {
    operation: 'createBucket',
    backend: 'local',
  });
}
