import { describeObjectStoreConformance, describeWithServer } from '@stowage/testkit';
import type { S3BucketAdmin } from '../src/index.js';
import { CHECKSUM_MODES, dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

describeWithServer('moto', (target) => {
  // No manual clock: the server judges presign expiry by its own clock, so advancing ours proves
  // nothing here. test/presign.test.ts covers expiry by signing in the past instead.
  for (const mode of CHECKSUM_MODES) {
    let admin: S3BucketAdmin | undefined;
    let bucket = '';
    describeObjectStoreConformance({
      name: `s3 on moto, checksums ${mode}`,
      serverLimitations: {
        presignSignaturesUnverified: target.presignNote ?? 'moto does not verify presigned URLs',
      },
      largeObjectBytes: 24 * 1024 * 1024,
      async create() {
        ({ admin, bucket } = await freshBucket(target, `conf-moto-${mode}`));
        // moto answers a wrong CRC32 for copies of multipart objects (test/checksum-modes.test.ts
        // demonstrates it), so responses are validated only when required; requests use `mode`.
        return new S3ObjectStore(
          storeConfig(target, bucket, mode, { responseChecksumValidation: 'WHEN_REQUIRED' }),
        );
      },
      async cleanup(store) {
        (store as S3ObjectStore).destroy();
        if (admin !== undefined) await dropBucket(admin, bucket);
      },
    });
  }
});
