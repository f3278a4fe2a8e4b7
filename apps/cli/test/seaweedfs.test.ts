import { describeWithServer, uniqueBucketName } from '@stowage/testkit';
import { afterAll } from 'vitest';
import { bucketAdmin, cleanEnv, s3Env, tempDir } from './helpers.js';
import { describeObjectCommands } from './object-commands.js';

describeWithServer('seaweedfs', async (target) => {
  const admin = bucketAdmin(target);
  const bucket = uniqueBucketName('cli-objects');
  await admin.createBucket(bucket);
  afterAll(async () => {
    await admin.deleteBucket(bucket, { force: true });
    admin.destroy();
  });
  describeObjectCommands('seaweedfs', async () => ({
    env: cleanEnv({ ...s3Env(target, bucket), STOWAGE_DATA_DIR: await tempDir('seaweed-data') }),
    presignFetchable: true,
  }));
});
