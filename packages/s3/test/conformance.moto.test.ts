import { describeObjectStoreConformance, describeWithServer, OffsetClock } from '@stowage/testkit';
import type { S3BucketAdmin } from '../src/index.js';
import {
  CHECKSUM_MODES,
  configuredSecrets,
  dropBucket,
  freshBucket,
  S3ObjectStore,
  storeConfig,
} from './support.js';

describeWithServer('moto', (target) => {
  for (const mode of CHECKSUM_MODES) {
    let admin: S3BucketAdmin | undefined;
    let bucket = '';
    // moto verifies neither presign signatures nor expiry (an expired URL still works). The store
    // signs with a real-time clock the suite can move, like the SeaweedFS run, and the tampering
    // and expiry cases skip with the reasons below. SeaweedFS, which verifies both, runs them all.
    const clock = new OffsetClock();
    describeObjectStoreConformance({
      name: `s3 on moto, checksums ${mode}`,
      clock: { advance: (ms) => clock.advance(ms), set: (date) => clock.set(date), readBy: 'signer' },
      serverLimitations: {
        presignSignaturesUnverified: target.presignNote ?? 'moto does not verify presigned URLs',
        presignExpiryUnverified: target.presignNote ?? 'moto serves expired presigned URLs',
      },
      largeObjectBytes: 24 * 1024 * 1024,
      // Every credential the store holds: none may show in inspect, JSON or String of it or its errors.
      secrets: configuredSecrets(target),
      async create() {
        ({ admin, bucket } = await freshBucket(target, `conf-moto-${mode}`));
        // moto answers a wrong CRC32 for copies of multipart objects (test/checksum-modes.test.ts
        // demonstrates it), so responses are validated only when required; requests use `mode`.
        return new S3ObjectStore(
          storeConfig(target, bucket, mode, { responseChecksumValidation: 'WHEN_REQUIRED', clock }),
        );
      },
      async cleanup(store) {
        (store as S3ObjectStore).destroy();
        if (admin !== undefined) await dropBucket(admin, bucket);
      },
    });
  }
});
