import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ListeningLocalServer, LocalObjectStore, listenLocalServer } from '@stowage/local';
import { MemoryJobStateStore } from '@stowage/memory';
import { S3BucketAdmin } from '@stowage/s3';
import { SeaweedFsObjectStore } from '@stowage/seaweedfs';
import {
  describeObjectStoreConformance,
  describeWithServer,
  OffsetClock,
  SEAWEEDFS_SERVER_LIMITATIONS,
  uniqueBucketName,
} from '@stowage/testkit';
import { HybridObjectStore } from '../src/hybrid-object-store.js';

// local → SeaweedFS (the realistic migration: off a developer disk onto a cluster), at 50%.
// Both sides sign with one OffsetClock (real time plus a settable offset): SeaweedFS judges
// presign expiry by its own clock, so the suite signs in the past ('signer') instead of
// advancing time after signing; the local server checks against the same clock.
const SECRET = 'hybrid-seaweed-conformance-secret-0123';

describeWithServer('seaweedfs', (target) => {
  const connection = {
    endpoint: target.endpoint,
    region: target.region,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  };
  let admin: S3BucketAdmin | undefined;
  let bucket = '';
  let root: string | undefined;
  let server: ListeningLocalServer | undefined;
  let seaweed: SeaweedFsObjectStore | undefined;
  const clock = new OffsetClock();

  describeObjectStoreConformance({
    name: 'hybrid local+seaweedfs at 50%',
    serverLimitations: SEAWEEDFS_SERVER_LIMITATIONS,
    largeObjectBytes: 16 * 1024 * 1024,
    secrets: [SECRET, target.secretAccessKey],
    clock: { advance: (ms) => clock.advance(ms), set: (date) => clock.set(date), readBy: 'signer' },
    async create() {
      admin = new S3BucketAdmin({ provider: 'seaweedfs', ...connection });
      bucket = uniqueBucketName('hybrid-conf');
      await admin.createBucket(bucket);
      seaweed = new SeaweedFsObjectStore({ ...connection, bucket, clock });
      root = await mkdtemp(join(tmpdir(), 'stowage-hybrid-seaweed-'));
      let local: LocalObjectStore | undefined;
      server = await listenLocalServer({ store: () => local, secret: SECRET });
      local = new LocalObjectStore({ root, clock, signing: { secret: SECRET, baseUrl: server.url } });
      return new HybridObjectStore({
        from: local,
        to: seaweed,
        percentage: 50,
        jobs: new MemoryJobStateStore(),
        clock,
      });
    },
    async cleanup(store) {
      await (store as HybridObjectStore).close();
      await server?.close();
      if (root !== undefined) await rm(root, { recursive: true, force: true });
      seaweed?.destroy();
      if (admin !== undefined) {
        try {
          await admin.deleteBucket(bucket, { force: true });
        } finally {
          admin.destroy();
        }
      }
    },
  });
});
