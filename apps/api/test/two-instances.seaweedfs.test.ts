import { randomBytes } from 'node:crypto';
import type { RuntimeConfig } from '@stowage/runtime';
import { describeWithServer } from '@stowage/testkit';
import { Upload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, MiB, sha, tusUpload } from './resumable-support.js';
import { type ApiProcess, makeKey, startApiProcess } from './support/api-process.js';
import { seaweedfsOnPostgres } from './support/seaweedfs-on-postgres.js';

const RATE_LIMIT = 40;

/**
 * Two instances of the service, each a process of its own, on one PostgreSQL database, one
 * SeaweedFS bucket, one Redis and one auth secret: keys, tus uploads, locks and rate limits
 * are the fleet's, not an instance's.
 */
describeWithServer('seaweedfs', async (target) => {
  describe('two API instances on one PostgreSQL, SeaweedFS and Redis', () => {
    let a: ApiProcess;
    let b: ApiProcess;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const fleet = await seaweedfsOnPostgres(target, 'api-fleet');
      drop = fleet.teardown;
      const config: RuntimeConfig = {
        ...fleet.config(),
        // Every instance of a fleet derives keys from the same secret.
        auth: { secret: randomBytes(32).toString('hex') },
        api: { rateLimitPerMinute: RATE_LIMIT, redisUrl: 'redis://127.0.0.1:6379', maxUploadBytes: 64 * MiB },
      };
      [a, b] = await Promise.all([startApiProcess(config), startApiProcess(config)]);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await drop?.();
    }, 60_000);

    it('runs as two processes', () => {
      expect(a.pid).not.toBe(b.pid);
      expect(a.url).not.toBe(b.url);
    });

    it('a key created on one instance works on the other, and its revocation too', async () => {
      const key = await makeKey(a, ['write']);
      const put = (api: ApiProcess) =>
        fetch(`${api.url}v1/objects/fleet/key.txt`, {
          method: 'PUT',
          headers: { 'x-api-key': key.token },
          body: 'made on a, used on b',
        });
      expect((await put(b)).status).toBe(201);
      await fetch(`${b.url}v1/admin/keys/${key.id}`, {
        method: 'DELETE',
        headers: { 'x-api-key': b.adminToken },
      });
      expect((await put(a)).status).toBe(401);
    });

    it('a tus upload started on one instance is finished on the other, from the byte the first kept', async () => {
      const { token } = await makeKey(a, ['write', 'read']);
      const data = bytes(21 * MiB + 99, 77);
      const key = 'fleet/tus/handed-over.bin';
      // On a: 3 MiB chunks (under the 5 MiB part size), stopped after the third.
      const uploadUrl = await new Promise<string>((resolve, reject) => {
        const upload = new Upload(data, {
          endpoint: `${a.url}v1/tus`,
          headers: { 'X-Api-Key': token },
          chunkSize: 3 * MiB,
          metadata: { key },
          onChunkComplete: (_chunk, accepted) => {
            if (accepted >= 9 * MiB) void upload.abort().then(() => resolve(upload.url!));
          },
          onError: reject,
        });
        upload.start();
      });
      expect(uploadUrl.startsWith(a.url)).toBe(true);
      // On b: the same upload, by its URL on b.
      const onB = uploadUrl.replace(a.url, b.url);
      const head = await fetch(onB, {
        method: 'HEAD',
        headers: { 'x-api-key': token, 'tus-resumable': '1.0.0' },
      });
      expect(head.status).toBe(200);
      expect(Number(head.headers.get('upload-offset'))).toBe(9 * MiB);
      const run = await tusUpload(`${b.url}v1/tus`, data, { token, uploadUrl: onB, chunkSize: 5 * MiB });
      expect(run.error).toBeUndefined();
      expect(run.resumedAt[0]).toBe(9 * MiB);
      expect(run.last!.getHeader('Stowage-Object-Sha256')).toBe(sha(data));
      const got = await fetch(`${a.url}v1/objects/${key}`, { headers: { 'x-api-key': token } });
      expect(sha(Buffer.from(await got.arrayBuffer()))).toBe(sha(data));
      console.log(
        `two instances: tus upload of ${data.length} bytes started on ${a.url} (3 MiB chunks, stopped at 9 MiB: one 5 MiB part + a 4 MiB tail), finished on ${b.url}; sha256 ${sha(data)}`,
      );
    }, 60_000);

    it('PATCHes of one upload sent to both instances at once are serialized by the shared lock', async () => {
      const { token } = await makeKey(a, ['write']);
      const created = await fetch(`${a.url}v1/tus`, {
        method: 'POST',
        headers: {
          'x-api-key': token,
          'tus-resumable': '1.0.0',
          'upload-length': String(4 * MiB),
          'upload-metadata': `key ${Buffer.from('fleet/tus/race.bin').toString('base64')}`,
        },
      });
      const path = new URL(created.headers.get('location')!).pathname.slice(1);
      const chunk = bytes(2 * MiB, 3);
      const patch = (api: ApiProcess) =>
        fetch(`${api.url}${path}`, {
          method: 'PATCH',
          headers: {
            'x-api-key': token,
            'tus-resumable': '1.0.0',
            'upload-offset': '0',
            'content-type': 'application/offset+octet-stream',
          },
          body: chunk,
        });
      const statuses = (await Promise.all([patch(a), patch(b), patch(a), patch(b)])).map((r) => r.status);
      expect(statuses.filter((s) => s === 204)).toHaveLength(1);
      expect(statuses.every((s) => s === 204 || s === 409 || s === 423)).toBe(true);
      const head = await fetch(`${b.url}${path}`, {
        method: 'HEAD',
        headers: { 'x-api-key': token, 'tus-resumable': '1.0.0' },
      });
      expect(head.headers.get('upload-offset')).toBe(String(2 * MiB));
    });

    it(`the rate limit (${RATE_LIMIT}/min per key) is shared through Redis`, async () => {
      // A fresh key: rate-limit counters are keyed by the key's id, unique to this run.
      const { token } = await makeKey(b, ['read']);
      const statuses: number[] = [];
      for (let i = 0; i < RATE_LIMIT + 10; i++) {
        const api = i % 2 === 0 ? a : b;
        const response = await fetch(`${api.url}v1/objects?prefix=fleet/&limit=1`, {
          headers: { 'x-api-key': token },
        });
        statuses.push(response.status);
        if (response.status === 429) expect(response.headers.get('retry-after')).toBeTruthy();
        await response.body?.cancel();
      }
      const ok = statuses.filter((s) => s === 200).length;
      const limited = statuses.filter((s) => s === 429).length;
      console.log(
        `two instances: ${statuses.length} requests alternating a/b → ${ok} × 200, ${limited} × 429`,
      );
      // Each instance alone would have let all of them through (25 < 40).
      expect(ok).toBe(RATE_LIMIT);
      expect(limited).toBe(10);
      expect(statuses.slice(0, RATE_LIMIT).every((s) => s === 200)).toBe(true);
    });
  });
});
