import { S3BucketAdmin } from '@stowage/s3';
import { describeWithServer, freshPostgresDatabase, uniqueBucketName } from '@stowage/testkit';
import { describeResumableScenarios } from './resumable-scenarios.js';

describeWithServer('seaweedfs', async (target) => {
  const database = await freshPostgresDatabase('api_resumable');
  const bucket = uniqueBucketName('api-resumable');
  const admin = new S3BucketAdmin({
    provider: 'seaweedfs',
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
  await admin.createBucket(bucket);
  describeResumableScenarios('SeaweedFS on PostgreSQL', {
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
