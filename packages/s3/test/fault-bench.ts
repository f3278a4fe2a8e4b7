// Shared set-up for the fault-injection tests: a bucket on the real server, stores that talk to
// it through a FaultProxy, and a raw SDK client that talks to it directly (to check what is left).
import type { Readable } from 'node:stream';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { type AvailableS3Target, FaultProxy, uniqueBucketName } from '@stowage/testkit';
import { S3BucketAdmin, S3ObjectStore, type S3StoreConfig } from '../src/index.js';

export function connection(target: AvailableS3Target, endpoint = target.endpoint) {
  return {
    provider: 'seaweedfs' as const,
    endpoint,
    region: target.region,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  };
}

export interface FaultBench {
  bucket: string;
  /** Talks to the server directly: the reference for what is really stored. */
  direct: S3ObjectStore;
  /** The raw SDK, directly against the server. */
  raw: S3Client;
  /** A fresh proxy in front of the server and a store whose endpoint is that proxy (no pooled sockets). */
  proxied(extra?: Partial<S3StoreConfig>): Promise<{ proxy: FaultProxy; store: S3ObjectStore }>;
  /** Multipart uploads still open for `key` on the server. */
  openUploads(key: string): Promise<string[]>;
  /** Closes every proxy and store made so far. */
  release(): Promise<void>;
  drop(): Promise<void>;
}

export async function createFaultBench(target: AvailableS3Target, label: string): Promise<FaultBench> {
  const admin = new S3BucketAdmin(connection(target));
  const bucket = uniqueBucketName(label);
  await admin.createBucket(bucket);
  const direct = new S3ObjectStore({ ...connection(target), bucket });
  const raw = new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
  const url = new URL(target.endpoint);
  const open: Array<{ proxy: FaultProxy; store: S3ObjectStore }> = [];
  const bench: FaultBench = {
    bucket,
    direct,
    raw,
    async proxied(extra = {}) {
      const proxy = await FaultProxy.start({ target: { host: url.hostname, port: Number(url.port) } });
      const store = new S3ObjectStore({ ...connection(target, proxy.url), bucket, ...extra });
      open.push({ proxy, store });
      return { proxy, store };
    },
    async openUploads(key) {
      const out = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
      return (out.Uploads ?? []).filter((u) => u.Key === key).map((u) => u.UploadId ?? '');
    },
    async release() {
      for (const { proxy, store } of open.splice(0)) {
        store.destroy();
        await proxy.close();
      }
    },
    async drop() {
      await bench.release();
      direct.destroy();
      raw.destroy();
      try {
        await admin.deleteBucket(bucket, { force: true });
      } finally {
        admin.destroy();
      }
    },
  };
  return bench;
}

export type ReadOutcome = { ok: true; data: Buffer } | { ok: false; error: unknown; bytes: number };

/** Reads a body to its end, or to its error, without throwing. */
export async function readOutcome(body: Readable): Promise<ReadOutcome> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(b);
      bytes += b.length;
    }
    return { ok: true, data: Buffer.concat(chunks) };
  } catch (error) {
    return { ok: false, error, bytes };
  }
}

/** What went wrong, compactly, for assertions and for the report. */
export function describeError(error: unknown): Record<string, unknown> {
  const e = error as Record<string, unknown> & { cause?: unknown };
  const cause = e?.cause as Record<string, unknown> | undefined;
  return {
    name: e?.name,
    kind: e?.kind,
    retryable: e?.retryable,
    code: e?.code,
    message: typeof e?.message === 'string' ? e.message.slice(0, 200) : undefined,
    causeName: cause?.name,
    causeCode: cause?.code,
  };
}

/** The rejection of `promise`; fails the test if it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${String(value)}`);
    },
    (error: unknown) => error,
  );
}

/** `promise`, unless it is still pending after `ms`: then a failure that says what hung (a hang guard, not a timing check). */
export async function unlessHung<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}
