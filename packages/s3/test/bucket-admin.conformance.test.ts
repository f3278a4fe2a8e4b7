import type { AvailableS3Target } from '@stowage/testkit';
import { describeBucketAdminConformance, describeWithServer } from '@stowage/testkit';
import { S3BucketAdmin, type S3ConnectionConfig } from '../src/index.js';
import { connectionFor, S3ObjectStore } from './support.js';

// The BucketAdmin contract for S3BucketAdmin on both test servers, and with the generic
// profile (no lifecycle rules: those calls must be Unsupported). Each case creates buckets of
// its own and force-deletes them afterwards; the delete cases put objects through a store.

/** moto 5.2.5 answers 200 to CreateBucket of a bucket its caller owns, as AWS does in us-east-1. */
const MOTO_LIMITATIONS = {
  racingCreatesAllSucceed: 'moto accepts re-creating a bucket its caller owns (as us-east-1 does)',
};

function describeOn(target: AvailableS3Target, name: string, connection: S3ConnectionConfig): void {
  describeBucketAdminConformance({
    name,
    bucketPrefix: `conf-${target.name === 'seaweedfs' ? 'sw' : 'mo'}`,
    create: () => new S3BucketAdmin(connection),
    cleanup: (admin) => (admin as S3BucketAdmin).destroy(),
    openBucket: (bucket) => new S3ObjectStore({ ...connection, bucket }),
    closeBucket: (store) => (store as S3ObjectStore).destroy(),
    ...(target.name === 'moto' ? { serverLimitations: MOTO_LIMITATIONS } : {}),
  });
}

describeWithServer('seaweedfs', (target) => {
  describeOn(target, 's3 on seaweedfs', connectionFor(target));
});

describeWithServer('moto', (target) => {
  describeOn(target, 's3 on moto', connectionFor(target));
  describeOn(target, 's3 generic profile on moto', {
    ...connectionFor(target),
    provider: 'generic',
    overrides: {},
  });
});
