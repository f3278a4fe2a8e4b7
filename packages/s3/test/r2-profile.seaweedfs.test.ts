import {
  describeObjectStoreConformance,
  describeWithServer,
  OffsetClock,
  SEAWEEDFS_SERVER_LIMITATIONS,
} from '@stowage/testkit';
import type { S3BucketAdmin } from '../src/index.js';
import { configuredSecrets, dropBucket, freshBucket, S3ObjectStore } from './support.js';

/**
 * The Cloudflare R2 profile, run through the ObjectStore contract with SeaweedFS standing in
 * for R2: the configuration is what an R2 user writes (provider, endpoint, credentials), and
 * the overrides are only where SeaweedFS behaves differently from R2, each said why. What R2
 * lacks (ACLs, conditions on multipart completion and on a copy's destination, POST uploads)
 * the profile declares, so those cases check that the store refuses or works around them.
 */
describeWithServer('seaweedfs', (target) => {
  let admin: S3BucketAdmin | undefined;
  let bucket = '';
  // SeaweedFS judges presign expiry by its own clock (see conformance.seaweedfs.test.ts).
  const clock = new OffsetClock();
  describeObjectStoreConformance({
    name: 'r2 profile on seaweedfs',
    serverLimitations: SEAWEEDFS_SERVER_LIMITATIONS,
    clock: { advance: (ms) => clock.advance(ms), set: (date) => clock.set(date), readBy: 'signer' },
    largeObjectBytes: 24 * 1024 * 1024,
    secrets: configuredSecrets(target),
    async create() {
      ({ admin, bucket } = await freshBucket(target, 'conf-r2'));
      return new S3ObjectStore({
        provider: 'r2',
        // R2's is https://<ACCOUNT_ID>.r2.cloudflarestorage.com.
        endpoint: target.endpoint,
        credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
        bucket,
        clock,
        overrides: {
          // SeaweedFS lists in directory-tree order; R2 lists in byte order.
          listOrder: 'tree',
          // SeaweedFS drops user metadata whose value is empty; R2 keeps it.
          dropsEmptyMetadataValues: true,
        },
      });
    },
    async cleanup(store) {
      (store as S3ObjectStore).destroy();
      if (admin !== undefined) await dropBucket(admin, bucket);
    },
  });
});
