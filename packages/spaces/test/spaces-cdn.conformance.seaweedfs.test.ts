import type { PurgeTarget } from '@stowage/core';
import { S3BucketAdmin } from '@stowage/s3';
import { describeCdnConformance, describeWithServer, uniqueBucketName } from '@stowage/testkit';
import { describe, it } from 'vitest';
import { SpacesObjectStore } from '../src/index.js';
import { FakeDigitalOceanApi } from './fake-digitalocean-api.js';
import { virtualHostHttpAgent } from './virtual-host.js';

/**
 * The Spaces CDN as configured through a Spaces store, offline: the bucket is on SeaweedFS
 * (virtual-hosted, as Spaces is addressed), the CDN's public host
 * `https://<bucket>.nyc3.cdn.digitaloceanspaces.com/` is routed to the suite's edge, whose
 * origin is the bucket's own URL on SeaweedFS (made publicly readable by a bucket policy, as a
 * Spaces CDN origin reads public objects), and the DigitalOcean API is a local stand-in that
 * clears the edge's cache when it accepts a purge. So the purge cases prove that a purge
 * reaches the API with the right paths and that stale copies are gone afterwards.
 */
const REGION = 'nyc3';
const TOKEN = 'dop_v1_conformance-token-0123456789abcdef';
const ENDPOINT_ID = '19f06b6a-3ace-4315-b086-499a0e521b76';

describeWithServer('seaweedfs', (target) => {
  const domain = target.virtualHostDomain ?? 's3.stowage.test';
  const port = new URL(target.endpoint).port;
  for (const withToken of [true, false]) {
    const api = new FakeDigitalOceanApi();
    let admin: S3BucketAdmin | undefined;
    let store: SpacesObjectStore | undefined;
    let bucket = '';

    describeCdnConformance({
      name: withToken
        ? 'spaces-cdn (DigitalOcean API stand-in, SeaweedFS origin)'
        : 'spaces-cdn without a token (purge Unsupported), SeaweedFS origin',
      secrets: [TOKEN, target.secretAccessKey],
      async create(edge) {
        await api.start();
        api.token = TOKEN;
        // The suite purges often; DigitalOcean's 50-files-per-20-s limit has cases of its own.
        api.filesPerWindow = Number.MAX_SAFE_INTEGER;
        api.onPurge = (_id, files) => {
          for (const file of files) edge.invalidate(purgeTargetOf(file));
        };
        admin = new S3BucketAdmin({
          provider: 'seaweedfs',
          endpoint: target.endpoint,
          region: target.region,
          credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
        });
        bucket = uniqueBucketName('spaces-cdn-conf');
        await admin.createBucket(bucket);
        api.addEndpoint(bucket, REGION, ENDPOINT_ID);
        const publicHost = `https://${bucket}.${REGION}.cdn.digitaloceanspaces.com/`;
        store = new SpacesObjectStore({
          region: REGION,
          bucket,
          key: target.accessKeyId,
          secret: target.secretAccessKey,
          endpoint: `http://${domain}:${port}`,
          // SeaweedFS quirks, not Spaces ones (as in spaces.seaweedfs.test.ts).
          overrides: { dropsEmptyMetadataValues: true, listOrder: 'tree' },
          httpAgent: virtualHostHttpAgent(domain),
          cdn: {
            ...(withToken ? { token: TOKEN } : {}),
            apiBaseUrl: api.url,
            // Reads of the CDN's public host go to the edge; API calls pass through.
            fetch: edge.fetchFor(publicHost),
          },
        });
        await allowAnonymousReads(store, target.endpoint, bucket);
        const cdn = store.cdn;
        if (cdn === undefined) throw new Error('the store was configured with a cdn');
        const publisher = store;
        return {
          cdn,
          originUrl: `${target.endpoint}/${bucket}/`,
          publish: async (key, bytes) => {
            await publisher.put(key, bytes, { visibility: 'public' });
          },
          unpublish: (key) => publisher.delete(key),
          fetch: edge.fetchFor(publicHost),
          purgeReachesEdge: withToken,
        };
      },
      async cleanup() {
        store?.destroy();
        await api.stop();
        if (admin !== undefined) {
          try {
            await admin.deleteBucket(bucket, { force: true });
          } finally {
            admin.destroy();
          }
        }
        if (api.violations.length > 0)
          throw new Error(`DigitalOcean API misuse: ${api.violations.join('; ')}`);
      },
    });
  }
});

/** What DigitalOcean does at its edges for one purged path: `*` all, `p*` a prefix, else a key. */
function purgeTargetOf(file: string): PurgeTarget {
  if (file === '*') return { all: true };
  if (file.endsWith('*')) return { prefix: file.slice(0, -1) };
  return { keys: [file] };
}

/**
 * A bucket policy letting anyone GET objects (SeaweedFS does not enforce per-object ACLs, and
 * the edge reads without credentials). Sent with the store's own client signer, path-style to
 * the server's endpoint.
 */
async function allowAnonymousReads(
  store: SpacesObjectStore,
  endpoint: string,
  bucket: string,
): Promise<void> {
  const url = new URL(endpoint);
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  });
  const signer = await (
    store.client.config as unknown as {
      signer(): Promise<{ sign(request: object): Promise<{ headers: Record<string, string> }> }>;
    }
  ).signer();
  const signed = await signer.sign({
    method: 'PUT',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: `/${bucket}`,
    query: { policy: '' },
    headers: { host: url.host, 'content-type': 'application/json' },
    body: policy,
  });
  const response = await fetch(`${url.origin}/${bucket}?policy`, {
    method: 'PUT',
    headers: signed.headers,
    body: policy,
  });
  if (response.status >= 300)
    throw new Error(`PutBucketPolicy: HTTP ${response.status} ${await response.text()}`);
}
