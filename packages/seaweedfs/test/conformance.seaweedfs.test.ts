import type { S3BucketAdmin } from '@stowage/s3';
import {
  describeObjectStoreConformance,
  describeWithServer,
  OffsetClock,
  SEAWEEDFS_SERVER_LIMITATIONS,
} from '@stowage/testkit';
import { SeaweedFsObjectStore } from '../src/index.js';
import { dropBucket, freshBucket, storeConfig } from './support.js';

describeWithServer('seaweedfs', (target) => {
  // Both checksum modes: the profile's default (WHEN_REQUIRED) and the SDK's (WHEN_SUPPORTED).
  for (const mode of ['WHEN_REQUIRED', 'WHEN_SUPPORTED'] as const) {
    let admin: S3BucketAdmin | undefined;
    let bucket = '';
    // SeaweedFS judges presign expiry by its own clock: the store signs with a clock that follows
    // real time, and the suite's expiry cases set it into the past to sign already-expired URLs.
    const clock = new OffsetClock();
    describeObjectStoreConformance({
      name: `seaweedfs, checksums ${mode}`,
      serverLimitations: SEAWEEDFS_SERVER_LIMITATIONS,
      clock: { advance: (ms) => clock.advance(ms), set: (date) => clock.set(date), readBy: 'signer' },
      largeObjectBytes: 24 * 1024 * 1024,
      // The secret key (the access key id is "stowage", a word every key root holds anyway).
      secrets: [target.secretAccessKey],
      async create() {
        ({ admin, bucket } = await freshBucket(target, `conf-seaweedfs-${mode}`));
        return new SeaweedFsObjectStore(
          storeConfig(target, bucket, {
            requestChecksumCalculation: mode,
            responseChecksumValidation: mode,
            clock,
          }),
        );
      },
      async cleanup(store) {
        (store as SeaweedFsObjectStore).destroy();
        if (admin !== undefined) await dropBucket(admin, bucket);
      },
    });
  }
});
