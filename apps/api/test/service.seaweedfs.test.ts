import { S3BucketAdmin } from '@stowage/s3';
import { describeWithServer, freshPostgresDatabase, uniqueBucketName } from '@stowage/testkit';
import { describeServiceScenarios } from './service-scenarios.js';

describeWithServer('seaweedfs', async (target) => {
  const database = await freshPostgresDatabase('api');
  const bucket = uniqueBucketName('api');
  const admin = new S3BucketAdmin({
    provider: 'seaweedfs',
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
  await admin.createBucket(bucket);
  describeServiceScenarios('SeaweedFS on PostgreSQL', {
    config: () => ({
      mode: 'seaweedfs',
      s3: {
        bucket,
        endpoint: target.endpoint,
        region: target.region,
        forcePathStyle: true,
        accessKeyId: target.accessKeyId,
        secretAccessKey: target.secretAccessKey,
      },
      database: { url: database.url },
    }),
    async teardown() {
      try {
        await admin.deleteBucket(bucket, { force: true });
      } finally {
        admin.destroy();
        await database.drop();
      }
    },
  });
});
