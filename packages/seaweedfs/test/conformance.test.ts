import type { S3BucketAdmin } from '@stowage/s3';
import { describeObjectStoreConformance, describeWithServer } from '@stowage/testkit';
import { SeaweedFsObjectStore } from '../src/index.js';
import { dropBucket, freshBucket, storeConfig } from './support.js';

describeWithServer('seaweedfs', (target) => {
  // Both checksum modes: the profile's default (WHEN_REQUIRED) and the SDK's (WHEN_SUPPORTED).
  // No manual clock: SeaweedFS judges presign expiry by its own clock (see the s3 package's presign tests).
  for (const mode of ['WHEN_REQUIRED', 'WHEN_SUPPORTED'] as const) {
    let admin: S3BucketAdmin | undefined;
    let bucket = '';
    describeObjectStoreConformance({
      name: `seaweedfs, checksums ${mode}`,
      largeObjectBytes: 24 * 1024 * 1024,
      async create() {
        ({ admin, bucket } = await freshBucket(target, `conf-seaweedfs-${mode}`));
        return new SeaweedFsObjectStore(
          storeConfig(target, bucket, { requestChecksumCalculation: mode, responseChecksumValidation: mode }),
        );
      },
      async cleanup(store) {
        (store as SeaweedFsObjectStore).destroy();
        if (admin !== undefined) await dropBucket(admin, bucket);
      },
    });
  }
});
