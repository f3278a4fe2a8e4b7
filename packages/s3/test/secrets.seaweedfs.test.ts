import { inspect } from 'node:util';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isStorageError } from '@stowage/core';
import { describeWithServer } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3BucketAdmin } from '../src/index.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

const WRONG_SECRET = 'wrong-secret-Zq7Xv2Lp9Kd4';

/** Every way an error is printed, deeply: past custom inspectors, hidden fields and causes. */
function renderings(value: unknown): string[] {
  const out = [
    inspect(value, { depth: 12, showHidden: true }),
    inspect(value, { depth: 12, showHidden: true, customInspect: false, getters: true }),
    String(value),
    JSON.stringify(value) ?? '',
  ];
  let cause = (value as { cause?: unknown })?.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    out.push(
      inspect(cause, { depth: 12, showHidden: true, customInspect: false }),
      JSON.stringify(cause) ?? '',
      String((cause as Error)?.stack ?? ''),
    );
    cause = (cause as { cause?: unknown })?.cause;
  }
  return out;
}

describeWithServer('seaweedfs', (target) => {
  describe('a store with a wrong secret (SignatureDoesNotMatch) never shows credentials in its errors', () => {
    let admin: S3BucketAdmin | undefined;
    let bucket = '';
    let store: S3ObjectStore;
    // Where the access key id would show: the SigV4 credential scope and the SDK's request headers.
    const leaks = () => [
      WRONG_SECRET,
      target.secretAccessKey,
      `Credential=${target.accessKeyId}/`,
      'authorization',
      'AWSAccessKeyId',
      'CanonicalRequest',
      'StringToSign',
      'SignatureProvided',
      'x-amz-content-sha256',
    ];

    // The access key id as a SigV4 scope shows it: `<id>/<yyyymmdd>/<region>/s3/aws4_request`.
    const scope = () => new RegExp(`${target.accessKeyId}/\\d{8}/`);

    beforeAll(async () => {
      ({ admin, bucket } = await freshBucket(target, 'wrong-secret'));
      const config = storeConfig(target, bucket, undefined, { maxAttempts: 1 });
      store = new S3ObjectStore({
        ...config,
        credentials: { accessKeyId: target.accessKeyId, secretAccessKey: WRONG_SECRET },
      });
    });
    afterAll(async () => {
      store?.destroy();
      if (admin !== undefined) await dropBucket(admin, bucket);
    });

    it('the raw SDK error does carry them (what the test looks for is really there)', async () => {
      const raw = new S3Client({
        endpoint: target.endpoint,
        region: target.region,
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: target.accessKeyId, secretAccessKey: WRONG_SECRET },
      });
      try {
        const error = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' })).catch((e) => e);
        const text = inspect(error, { depth: 12, showHidden: true });
        expect(text).toContain(`Credential=${target.accessKeyId}/`);
      } finally {
        raw.destroy();
      }
    });

    it('every operation fails with PermissionDenied and reveals nothing', async () => {
      const calls: Record<string, () => Promise<unknown>> = {
        put: () => store.put('docs/a.txt', 'x'),
        get: () => store.get('docs/a.txt'),
        head: () => store.head('docs/a.txt'),
        exists: () => store.exists('docs/a.txt'),
        delete: () => store.delete('docs/a.txt'),
        copy: () => store.copy('docs/a.txt', 'docs/b.txt'),
        listPage: () => store.listPage({ prefix: 'docs/' }),
        deleteMany: async () => {
          const result = await store.deleteMany(['docs/a.txt', 'docs/b.txt']);
          throw result.errors[0]?.error ?? new Error('deleteMany reported no error');
        },
      };
      for (const [op, call] of Object.entries(calls)) {
        const error = await call().then(
          () => {
            throw new Error(`${op} succeeded with a wrong secret`);
          },
          (e: unknown) => e,
        );
        expect(isStorageError(error, 'PermissionDenied'), `${op}: ${String(error)}`).toBe(true);
        // A HEAD answer has no body, so it names no error code: only its status.
        expect((error as Error).message, op).toMatch(/SignatureDoesNotMatch|HTTP 403/);
        for (const text of renderings(error)) {
          for (const leak of leaks()) expect(text.includes(leak), `${op} shows ${leak}`).toBe(false);
          expect(scope().test(text), `${op} shows the credential scope`).toBe(false);
        }
      }
      for (const text of renderings(store)) {
        expect(text).not.toContain(WRONG_SECRET);
        expect(scope().test(text)).toBe(false);
      }
    });
  });
});
