import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Runtime } from '@stowage/runtime';
import { type HttpRequest, type HttpResponse, Upload, type UploadOptions } from 'tus-js-client';

export const MiB = 1024 * 1024;
export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A deterministic buffer (fast to make, distinct per seed). */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed * 2654435761;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeInt32LE(x | 0, i);
  }
  for (let i = size - (size % 4); i < size; i++) out[i] = i & 0xff;
  return out;
}

export interface TusRun {
  url: string | null;
  /** The response that finished the upload. */
  last: HttpResponse | undefined;
  /** Upload-Offset of every HEAD the client made (resumptions). */
  resumedAt: number[];
  error?: Error;
}

/** tus-js-client, unmodified, run to the end (success or error). */
export function tusUpload(
  endpoint: string,
  input: Buffer | Readable,
  options: Partial<UploadOptions> & { token: string },
): Promise<TusRun> {
  const { token, ...rest } = options;
  const run: TusRun = { url: null, last: undefined, resumedAt: [] };
  return new Promise((resolve) => {
    const upload = new Upload(input, {
      endpoint,
      headers: { 'X-Api-Key': token },
      retryDelays: [0, 200, 500, 1000, 2000],
      chunkSize: 5 * MiB,
      ...rest,
      onAfterResponse: (req: HttpRequest, res: HttpResponse) => {
        if (req.getMethod() === 'HEAD') run.resumedAt.push(Number(res.getHeader('Upload-Offset')));
      },
      onSuccess: ({ lastResponse }) => {
        run.url = upload.url;
        run.last = lastResponse;
        resolve(run);
      },
      onError: (error) => {
        run.url = upload.url;
        run.error = error;
        resolve(run);
      },
    });
    upload.start();
  });
}

/** A stream of `data` in `piece`-sized chunks, so the client cannot know its length. */
export function streamOf(data: Buffer, piece = 256 * 1024): Readable {
  let at = 0;
  return new Readable({
    read() {
      if (at >= data.length) this.push(null);
      else {
        this.push(data.subarray(at, at + piece));
        at += piece;
      }
    },
  });
}

/**
 * What a resumable upload may leave behind, counted: objects under `.stowage/resumable/`, open
 * upload sessions, tus and direct-upload records, and (S3 family) multipart uploads on the server.
 */
export async function resumableLeftovers(runtime: Runtime): Promise<Record<string, number>> {
  let objects = 0;
  for await (const entry of runtime.store.list({ prefix: '.stowage/resumable/' }))
    if ('key' in entry) objects++;
  const sessions = (await runtime.uploadSessions.list({ limit: 1000 })).items.length;
  const tus = (await runtime.database.jobs.list('api-tus-upload', { limit: 1000 })).items.length;
  const direct = (await runtime.database.jobs.list('api-direct-upload', { limit: 1000 })).items.length;
  const out: Record<string, number> = { objects, sessions, tus, direct };
  const client = (runtime.store as { client?: { send(command: unknown): Promise<unknown> } }).client;
  if (client !== undefined) {
    const { ListMultipartUploadsCommand } = await s3Sdk();
    const bucket = runtime.config.s3?.bucket;
    const listed = (await client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: '.stowage/' }),
    )) as { Uploads?: unknown[] };
    out.multipartUploads = listed.Uploads?.length ?? 0;
  }
  return out;
}

export const NOTHING_LEFT = { objects: 0, sessions: 0, tus: 0, direct: 0 };

/** The AWS SDK the s3 adapter uses (not a dependency of the service itself). */
export async function s3Sdk(): Promise<{
  ListMultipartUploadsCommand: new (input: { Bucket?: string; Prefix?: string }) => unknown;
}> {
  const require = createRequire(import.meta.resolve('@stowage/s3'));
  return import(require.resolve('@aws-sdk/client-s3'));
}
