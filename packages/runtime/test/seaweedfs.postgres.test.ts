import { isStorageError, NoopLogger } from '@stowage/core';
import { S3BucketAdmin } from '@stowage/s3';
import {
  describeWithServer,
  FaultProxy,
  freshBucket,
  freshBucketAndDatabase,
  type OpenBucketAdmin,
} from '@stowage/testkit';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../src/index.js';
import { describeRuntimeScenarios } from './scenarios.js';

const seaweedfsAdmin: OpenBucketAdmin = (connection) =>
  new S3BucketAdmin({ provider: 'seaweedfs', ...connection });

describeWithServer('seaweedfs', async (target) => {
  const fresh = await freshBucketAndDatabase(target, 'runtime', seaweedfsAdmin);
  describeRuntimeScenarios('seaweedfs mode on PostgreSQL', {
    config: () => ({ mode: 'seaweedfs', s3: { ...fresh.s3 }, database: { url: fresh.database.url } }),
    teardown: fresh.drop,
  });
});

describeWithServer(
  'seaweedfs',
  (target) => {
    describe('runtime: network faults between the runtime and SeaweedFS (TCP FaultProxy)', () => {
      it('retries connections that fail, and surfaces a refusing server as a retryable Unavailable', async () => {
        const endpoint = new URL(target.endpoint);
        await using proxy = await FaultProxy.start({
          target: { host: endpoint.hostname, port: Number(endpoint.port) },
        });
        const bucket = await freshBucket(target, 'runtime-faults', seaweedfsAdmin);
        const runtime = await createRuntime({
          env: {},
          logger: new NoopLogger(),
          overrides: {
            mode: 'seaweedfs',
            database: { kind: 'memory' },
            s3: { ...bucket.s3, endpoint: proxy.url },
          },
          services: { storage: { retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 } } },
        });
        try {
          await runtime.storage.put('f/a.txt', 'through the proxy');
          // The pool's connections drop and the next three new ones are reset on accept.
          await proxy.dropConnections();
          proxy.set({ failConnections: 3 });
          expect(await runtime.storage.getText('f/a.txt')).toBe('through the proxy');
          await runtime.storage.put('f/b.txt', 'after faults');
          expect(proxy.stats.failed).toBeGreaterThanOrEqual(3);
          // A server that refuses everything: typed, retryable, and no hang.
          await proxy.dropConnections();
          proxy.set({ refuse: true });
          let error: unknown;
          try {
            await runtime.storage.head('f/a.txt');
          } catch (caught) {
            error = caught;
          }
          expect(isStorageError(error, 'Unavailable')).toBe(true);
          expect((error as { retryable: boolean }).retryable).toBe(true);
          proxy.clear();
          expect(await runtime.storage.getText('f/b.txt')).toBe('after faults');
        } finally {
          await runtime.close();
          await bucket.drop();
        }
      }, 60_000);
    });
  },
  'against seaweedfs, through a fault proxy',
);
