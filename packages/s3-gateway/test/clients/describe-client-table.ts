import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isCi } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayMode, type RunningGateway, startGateway, uniqueName } from '../support.js';
import { CLIENTS } from './clients.js';
import { type Operation, type Outcome, prepareWorkdir, renderTable } from './harness.js';

/**
 * Real S3 clients, unmodified (settings only: endpoint, credentials, part sizes), against the
 * gateway over local mode and over SeaweedFS. Prints the client × operation table.
 */
export function describeClientTable(mode: GatewayMode): void {
  describe(`real clients → gateway → ${mode}`, () => {
    let gw: RunningGateway;
    let workdir: string;
    const rows: Array<{ client: string; outcomes: Record<Operation, Outcome> }> = [];
    const buckets: string[] = [];
    beforeAll(async () => {
      gw = await startGateway(mode);
      workdir = await mkdtemp(join(tmpdir(), 's3gw-clients-'));
      await prepareWorkdir(workdir);
    });
    afterAll(async () => {
      console.log(renderTable(`Client × operation through the gateway over ${mode}:`, rows));
      if (gw !== undefined) {
        for (const name of buckets) {
          const bucket = await gw.gateway.buckets.get(name).catch(() => null);
          if (bucket === null) continue;
          for await (const entry of bucket.store.list()) {
            if ('key' in entry) await bucket.store.delete(entry.key);
          }
          await gw.gateway.buckets.delete(name).catch(() => {});
        }
        await gw.close();
      }
      await rm(workdir, { recursive: true, force: true });
    });

    for (const client of CLIENTS) {
      it(`${client.name}: every operation of the table`, async (ctx) => {
        const missing = client.missing();
        if (missing !== undefined) {
          if (isCi()) throw new Error(`${client.name} is not installed: ${missing}`);
          return ctx.skip(missing);
        }
        const bucket = uniqueName(`c-${client.name.replace(/[^a-z0-9]/gi, '').toLowerCase()}`).slice(0, 40);
        buckets.push(bucket);
        const outcomes = await client.run({
          endpoint: gw.url,
          bucket,
          workdir,
          accessKeyId: gw.accessKeyId,
          secretAccessKey: gw.secretAccessKey,
          headEtag: async (key) => {
            const sdk = new S3Client({
              endpoint: gw.url,
              region: 'us-east-1',
              forcePathStyle: true,
              credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
            });
            try {
              return (await sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag ?? '';
            } finally {
              sdk.destroy();
            }
          },
          env: {
            PATH: process.env.PATH,
            HOME: workdir,
            AWS_ACCESS_KEY_ID: gw.accessKeyId,
            AWS_SECRET_ACCESS_KEY: gw.secretAccessKey,
            AWS_DEFAULT_REGION: 'us-east-1',
            AWS_REGION: 'us-east-1',
            AWS_CONFIG_FILE: join(workdir, 'no-aws-config'),
            AWS_SHARED_CREDENTIALS_FILE: join(workdir, 'no-aws-credentials'),
            NO_PROXY: '*',
          },
        });
        rows.push({ client: client.name, outcomes });
        const failed = Object.entries(outcomes).filter(([, o]) => o.startsWith('FAIL'));
        expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
      }, 300_000);
    }
  });
}
