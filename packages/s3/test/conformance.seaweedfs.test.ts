import {
  describeObjectStoreConformance,
  describeWithServer,
  OffsetClock,
  SEAWEEDFS_SERVER_LIMITATIONS,
} from '@stowage/testkit';
import type { S3BucketAdmin } from '../src/index.js';
import {
  CHECKSUM_MODES,
  configuredSecrets,
  dropBucket,
  freshBucket,
  S3ObjectStore,
  storeConfig,
} from './support.js';

describeWithServer('seaweedfs', (target) => {
  for (const mode of CHECKSUM_MODES) {
    let admin: S3BucketAdmin | undefined;
    let bucket = '';
    // SeaweedFS judges presign expiry by its own clock: the store signs with a clock that follows
    // real time, and the suite's expiry cases set it into the past to sign already-expired URLs.
    const clock = new OffsetClock();
    describeObjectStoreConformance({
      name: `s3 on seaweedfs, checksums ${mode}`,
      serverLimitations: SEAWEEDFS_SERVER_LIMITATIONS,
      clock: { advance: (ms) => clock.advance(ms), set: (date) => clock.set(date), readBy: 'signer' },
      largeObjectBytes: 24 * 1024 * 1024,
      // Every credential the store holds: none may show in inspect, JSON or String of it or its errors.
      secrets: configuredSecrets(target),
      async create() {
        ({ admin, bucket } = await freshBucket(target, `conf-weed-${mode}`));
        return new S3ObjectStore(storeConfig(target, bucket, mode, { clock }));
      },
      async cleanup(store) {
        (store as S3ObjectStore).destroy();
        if (admin !== undefined) await dropBucket(admin, bucket);
      },
    });
  }
});
