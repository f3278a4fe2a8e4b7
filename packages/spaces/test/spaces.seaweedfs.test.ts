import type { Agent as HttpAgent } from 'node:http';
import { readText } from '@stowage/core';
import { ManualClock } from '@stowage/memory';
import { S3BucketAdmin } from '@stowage/s3';
import {
  type AvailableS3Target,
  describeObjectStoreConformance,
  describeWithServer,
  OffsetClock,
  SEAWEEDFS_SERVER_LIMITATIONS,
  uniqueBucketName,
} from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpacesObjectStore } from '../src/index.js';
import { virtualHostFetch, virtualHostHttpAgent } from './virtual-host.js';

/**
 * SeaweedFS stands in for Spaces, reached the way Spaces is: virtual-hosted addressing
 * (`http://<bucket>.s3.stowage.test:8333`). The name does not resolve; our lookup sends
 * `*.s3.stowage.test` to 127.0.0.1, for the SDK (http.Agent) and for presigned-URL fetches
 * (undici dispatcher). The region is a Spaces slug, as the Spaces store requires.
 */
const REGION = 'nyc3';
const CHECKSUM_MODES = ['WHEN_REQUIRED', 'WHEN_SUPPORTED'] as const;
/** What SeaweedFS 4.48 does differently from Spaces, declared so the adapter compensates. */
const SEAWEEDFS_QUIRKS = { dropsEmptyMetadataValues: true, listOrder: 'tree' } as const;

function admin(target: AvailableS3Target): S3BucketAdmin {
  return new S3BucketAdmin({
    provider: 'seaweedfs',
    endpoint: target.endpoint,
    region: target.region,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
}

function virtualHostEndpoint(target: AvailableS3Target): { domain: string; endpoint: string; port: string } {
  const domain = target.virtualHostDomain;
  if (domain === undefined) throw new Error('the seaweedfs target has no virtual-host domain');
  const port = new URL(target.endpoint).port;
  return { domain, endpoint: `http://${domain}:${port}`, port };
}

describeWithServer('seaweedfs', (target) => {
  const { domain, endpoint, port } = virtualHostEndpoint(target);

  for (const mode of CHECKSUM_MODES) {
    const vhFetch = virtualHostFetch(domain);
    let bucketAdmin: S3BucketAdmin | undefined;
    let bucket = '';
    // SeaweedFS judges presign expiry by its own clock: the store signs with a clock that follows
    // real time, and the suite's expiry cases set it into the past to sign already-expired URLs.
    const clock = new OffsetClock();
    describeObjectStoreConformance({
      name: `spaces (virtual-hosted) on seaweedfs, checksums ${mode}`,
      serverLimitations: SEAWEEDFS_SERVER_LIMITATIONS,
      clock: { advance: (ms) => clock.advance(ms), set: (date) => clock.set(date), readBy: 'signer' },
      fetch: vhFetch.fetch,
      largeObjectBytes: 24 * 1024 * 1024,
      // The secret key (the access key id is "stowage", a word every key root holds anyway).
      secrets: [target.secretAccessKey],
      async create() {
        bucketAdmin = admin(target);
        bucket = uniqueBucketName(`spaces-conf-${mode}`);
        await bucketAdmin.createBucket(bucket);
        return new SpacesObjectStore({
          region: REGION,
          bucket,
          key: target.accessKeyId,
          secret: target.secretAccessKey,
          endpoint,
          // A SeaweedFS quirk, not a Spaces one: it drops user metadata with empty values.
          overrides: SEAWEEDFS_QUIRKS,
          httpAgent: virtualHostHttpAgent(domain),
          requestChecksumCalculation: mode,
          responseChecksumValidation: mode,
          clock,
        });
      },
      async cleanup(store) {
        (store as SpacesObjectStore).destroy();
        await vhFetch.close();
        if (bucketAdmin !== undefined) {
          try {
            await bucketAdmin.deleteBucket(bucket, { force: true });
          } finally {
            bucketAdmin.destroy();
          }
        }
      },
    });
  }

  describe('spaces on seaweedfs: requests really go virtual-hosted', () => {
    const looked: string[] = [];
    const sent: Array<{ hostname: string; path: string; headers: Record<string, string>; command: string }> =
      [];
    const vhFetch = virtualHostFetch(domain, looked);
    let agent: HttpAgent;
    let bucketAdmin: S3BucketAdmin;
    let bucket = '';
    let store: SpacesObjectStore;

    beforeAll(async () => {
      bucketAdmin = admin(target);
      bucket = uniqueBucketName('spaces-vhost');
      await bucketAdmin.createBucket(bucket);
      agent = virtualHostHttpAgent(domain, looked);
      store = new SpacesObjectStore({
        region: REGION,
        bucket,
        key: target.accessKeyId,
        secret: target.secretAccessKey,
        endpoint,
        overrides: SEAWEEDFS_QUIRKS,
        httpAgent: agent,
      });
      // Observe (not alter) every request the SDK sends, after signing.
      store.client.middlewareStack.add(
        (next, context) => async (args) => {
          const request = args.request as { hostname: string; path: string; headers: Record<string, string> };
          sent.push({
            hostname: request.hostname,
            path: request.path,
            headers: { ...request.headers },
            command: context.commandName ?? '',
          });
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'spacesTestObserver' },
      );
    });
    afterAll(async () => {
      store.destroy();
      await vhFetch.close();
      try {
        await bucketAdmin.deleteBucket(bucket, { force: true });
      } finally {
        bucketAdmin.destroy();
      }
    });

    it('sends SDK requests to <bucket>.<domain> with the bucket out of the path', async () => {
      sent.length = 0;
      looked.length = 0;
      await store.put('vh/a b.txt', 'hello');
      expect(await readText((await store.get('vh/a b.txt')).body)).toBe('hello');
      await store.head('vh/a b.txt');
      await store.listPage({ prefix: 'vh/' });
      await store.delete('vh/a b.txt');
      expect(sent.map((s) => s.command)).toEqual([
        'PutObjectCommand',
        'GetObjectCommand',
        'HeadObjectCommand',
        'ListObjectsV2Command',
        'DeleteObjectCommand',
      ]);
      for (const s of sent) {
        expect(s.hostname, s.command).toBe(`${bucket}.${domain}`);
        expect(s.headers.host ?? `${s.hostname}:${port}`, s.command).toBe(`${bucket}.${domain}:${port}`);
        expect(s.path.startsWith(`/${bucket}`), `${s.command} ${s.path}`).toBe(false);
      }
      expect(sent[0]?.path).toBe('/vh/a%20b.txt');
      // The connections were resolved through our lookup, for the virtual host name.
      expect(new Set(looked)).toEqual(new Set([`${bucket}.${domain}`]));
    });

    it('presigns virtual-hosted URLs that the server honours', async () => {
      await store.put('vh/presigned.txt', 'signed body');
      const url = new URL(await store.presignGet('vh/presigned.txt', { expiresIn: 300 }));
      expect(url.host).toBe(`${bucket}.${domain}:${port}`);
      expect(url.pathname).toBe('/vh/presigned.txt');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/\/nyc3\/s3\/aws4_request$/);
      looked.length = 0;
      const res = await vhFetch.fetch(url.toString());
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('signed body');
      expect(looked).toContain(`${bucket}.${domain}`);

      const put = await store.presignPut('vh/uploaded.txt', { expiresIn: 300, contentType: 'text/plain' });
      expect(new URL(put.url).host).toBe(`${bucket}.${domain}:${port}`);
      const up = await vhFetch.fetch(put.url, {
        method: 'PUT',
        headers: put.headers,
        body: 'via presigned put',
      });
      expect(up.status).toBe(200);
      await up.arrayBuffer();
      expect(await readText((await store.get('vh/uploaded.txt')).body)).toBe('via presigned put');
    });

    it('presigned URLs expire by their signing time, which follows the store clock', async () => {
      await store.put('vh/expiring.txt', 'until then');
      const clock = new ManualClock(new Date(Date.now() - 2 * 3600 * 1000));
      const past = new SpacesObjectStore({
        region: REGION,
        bucket,
        key: target.accessKeyId,
        secret: target.secretAccessKey,
        endpoint,
        clock,
        httpAgent: virtualHostHttpAgent(domain),
      });
      try {
        // Signed two hours ago for one minute: long expired by the server's clock.
        const expiredGet = await past.presignGet('vh/expiring.txt', { expiresIn: 60 });
        const res = await vhFetch.fetch(expiredGet);
        const text = await res.text();
        expect(res.status).toBe(403);
        expect(text).not.toBe('until then');
        const expiredPut = await past.presignPut('vh/late.txt', { expiresIn: 60 });
        const put = await vhFetch.fetch(expiredPut.url, { method: 'PUT', body: 'late' });
        await put.arrayBuffer();
        expect(put.status).toBe(403);
        expect(await store.exists('vh/late.txt')).toBe(false);
        // Signed two hours ago for three hours: still valid.
        const valid = await past.presignGet('vh/expiring.txt', { expiresIn: 3 * 3600 });
        const ok = await vhFetch.fetch(valid);
        expect(ok.status).toBe(200);
        expect(await ok.text()).toBe('until then');
      } finally {
        past.destroy();
      }
    });

    it('sends x-amz-acl: public-read for public objects only', async () => {
      sent.length = 0;
      await store.put('vh/public.txt', 'p', { visibility: 'public' });
      await store.put('vh/private.txt', 'q', { visibility: 'private' });
      await store.put('vh/default.txt', 'r');
      await store.copy('vh/public.txt', 'vh/public-copy.txt');
      const puts = sent.filter((s) => s.command === 'PutObjectCommand' || s.command === 'CopyObjectCommand');
      expect(puts.map((s) => [s.path, s.headers['x-amz-acl']])).toEqual([
        ['/vh/public.txt', 'public-read'],
        ['/vh/private.txt', undefined],
        ['/vh/default.txt', undefined],
        ['/vh/public-copy.txt', 'public-read'],
      ]);
      expect((await store.head('vh/public.txt')).visibility).toBe('public');
      expect((await store.head('vh/public-copy.txt')).visibility).toBe('public');
      expect((await store.head('vh/private.txt')).visibility).toBe('private');
    });
  });
});
