import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { ManualClock, MemoryJobStateStore } from '@stowage/memory';
import { describeUploadSessionsConformance, describeWithServer } from '@stowage/testkit';
import type { S3BucketAdmin } from '../src/index.js';
import { S3UploadSessions } from '../src/sessions/s3-upload-sessions.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

for (const server of ['seaweedfs', 'moto'] as const) {
  describeWithServer(server, (target) => {
    let admin: S3BucketAdmin | undefined;
    let bucket = '';
    let store: S3ObjectStore | undefined;
    const clock = new ManualClock(new Date());
    const jobs = new MemoryJobStateStore({ clock });
    const sessions = () => new S3UploadSessions({ store: store!, jobs, clock });
    describeUploadSessionsConformance({
      name: `s3 native on ${server}`,
      async create() {
        ({ admin, bucket } = await freshBucket(target, `sessions-${server}`));
        store = new S3ObjectStore(storeConfig(target, bucket));
        return sessions();
      },
      store: () => store!,
      restart: sessions,
      advanceClock: (ms) => clock.advance(ms),
      async leftovers(id) {
        const staged = sessions().stagingKey(id);
        const uploads = await store!.client.send(
          new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: staged }),
        );
        return (uploads.Uploads?.length ?? 0) + ((await store!.exists(staged)) ? 1 : 0);
      },
      async cleanup() {
        store?.destroy();
        if (admin !== undefined) await dropBucket(admin, bucket);
      },
    });
  });
}
