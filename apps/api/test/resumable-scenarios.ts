import { randomBytes } from 'node:crypto';
import type { RuntimeConfig } from '@stowage/runtime';
import { FaultProxy } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './api-harness.js';
import {
  bytes,
  MiB,
  NOTHING_LEFT,
  resumableLeftovers,
  sha,
  streamOf,
  tusUpload,
} from './resumable-support.js';

export interface ResumableTarget {
  config(): RuntimeConfig | Promise<RuntimeConfig>;
  teardown?(): Promise<void>;
}

/** An .exe header: bytes that contradict a claimed image. */
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(6 * MiB, 7)]);

/**
 * Resumable uploads end to end over real HTTP: tus (tus-js-client, unmodified) and direct
 * multipart (the endpoints @uppy/aws-s3 calls, with the part URLs they hand out).
 */
export function describeResumableScenarios(label: string, target: ResumableTarget): void {
  describe(`resumable uploads: ${label}`, () => {
    let api: RunningApi;
    let writer: string;
    let other: string;
    let reader: string;
    const ns = `res-${randomBytes(3).toString('hex')}`;
    const tusEndpoint = () => `${api.url}v1/tus`;
    const direct = (path: string) => `${api.url}v1/direct/${path}`;

    beforeAll(async () => {
      const config = await target.config();
      api = await startApi({ ...config, api: { ...config.api, maxUploadBytes: 256 * MiB } });
      writer = await api.token(['write']);
      other = await api.token(['write']);
      reader = await api.token(['read']);
    }, 120_000);
    afterAll(async () => {
      await api?.close();
      await target.teardown?.();
    }, 60_000);

    const stored = async (key: string) => {
      const response = await fetch(`${api.url}v1/objects/${key}`, { headers: { 'x-api-key': reader } });
      return Buffer.from(await response.arrayBuffer());
    };

    it('tus-js-client: 64 MiB in 5 MiB chunks, the connection cut mid-chunk and resumed; the sha256 matches', async () => {
      const data = bytes(64 * MiB, 64);
      const key = `${ns}/tus/big.bin`;
      await using proxy = await FaultProxy.start({
        target: { host: '127.0.0.1', port: Number(new URL(api.url).port) },
      });
      // Upstream bytes counted from here: the cut lands inside the 7th chunk (headers aside).
      proxy.set({ cutAfterBytes: { upstream: 32 * MiB + 1234567, times: 1 } });
      const started = Date.now();
      const run = await tusUpload(`${proxy.url}/v1/tus`, data, {
        token: writer,
        metadata: { key, filename: 'big.bin' },
      });
      const seconds = (Date.now() - started) / 1000;
      expect(run.error).toBeUndefined();
      expect(proxy.stats.cuts).toBe(1);
      // The client asked where to resume, and the server had kept the bytes received before the cut.
      const resumed = run.resumedAt.find((offset) => offset > 30 * MiB);
      expect(resumed).toBeDefined();
      expect(resumed! % (5 * MiB)).not.toBe(0);
      const answered = run.last!.getHeader('Stowage-Object-Sha256');
      expect(answered).toBe(sha(data));
      expect(decodeURIComponent(run.last!.getHeader('Stowage-Object-Key') ?? '')).toBe(key);
      const record = await api.runtime.database.metadata.get(key);
      expect(record?.sha256).toBe(sha(data));
      expect(record?.size).toBe(data.length);
      expect(sha(await stored(key))).toBe(sha(data));
      const audit = await api.runtime.database.audit.query({ key });
      expect(audit.items.map((e) => e.action)).toContain('upload');
      // The status route names the object too.
      const status = (await (
        await fetch(run.url!.replace(proxy.url, api.url.slice(0, -1)), { headers: { 'x-api-key': writer } })
      ).json()) as { offset: number; object?: { sha256?: string; urls: { api: string } } };
      expect(status.offset).toBe(data.length);
      expect(status.object?.sha256).toBe(sha(data));
      console.log(
        `tus (${label}): 64 MiB in 5 MiB chunks, cut after ${(32 * MiB + 1234567) / MiB} MiB upstream, resumed at offset ${resumed} (${(resumed! / MiB).toFixed(2)} MiB), ${seconds.toFixed(1)} s, sha256 ${answered}`,
      );
      expect(await resumableLeftovers(api.runtime)).toMatchObject(leftNothingBut({ tus: 1 }));
    }, 180_000);

    it('tus: zero bytes, and chunks smaller than a part (1.5 MiB over an 8 MiB file)', async () => {
      const empty = await tusUpload(tusEndpoint(), Buffer.alloc(0), {
        token: writer,
        metadata: { key: `${ns}/tus/empty.txt`, filetype: 'text/plain' },
      });
      expect(empty.error).toBeUndefined();
      expect(empty.last!.getHeader('Stowage-Object-Sha256')).toBe(sha(Buffer.alloc(0)));
      expect((await stored(`${ns}/tus/empty.txt`)).length).toBe(0);
      expect((await api.runtime.database.metadata.get(`${ns}/tus/empty.txt`))?.size).toBe(0);

      const data = bytes(8 * MiB + 17, 8);
      const small = await tusUpload(tusEndpoint(), data, {
        token: writer,
        chunkSize: 1.5 * MiB,
        metadata: { key: `${ns}/tus/small-chunks.bin` },
      });
      expect(small.error).toBeUndefined();
      expect(sha(await stored(`${ns}/tus/small-chunks.bin`))).toBe(sha(data));
    }, 60_000);

    it('tus: deferred length (a stream of unknown size), with an empty upload the same way', async () => {
      const data = bytes(11 * MiB + 3, 11);
      const run = await tusUpload(tusEndpoint(), streamOf(data), {
        token: writer,
        uploadLengthDeferred: true,
        chunkSize: 4 * MiB,
        metadata: { key: `${ns}/tus/deferred.bin` },
      });
      expect(run.error).toBeUndefined();
      expect(run.last!.getHeader('Stowage-Object-Sha256')).toBe(sha(data));
      expect(sha(await stored(`${ns}/tus/deferred.bin`))).toBe(sha(data));
      // An empty upload of deferred length, as the protocol has it: the length comes with the only PATCH.
      const created = await fetch(tusEndpoint(), {
        method: 'POST',
        headers: {
          'x-api-key': writer,
          'tus-resumable': '1.0.0',
          'upload-defer-length': '1',
          'upload-metadata': `key ${Buffer.from(`${ns}/tus/deferred-empty.txt`).toString('base64')}`,
        },
      });
      expect(created.status).toBe(201);
      const last = await fetch(created.headers.get('location')!, {
        method: 'PATCH',
        headers: {
          'x-api-key': writer,
          'tus-resumable': '1.0.0',
          'upload-offset': '0',
          'upload-length': '0',
          'content-type': 'application/offset+octet-stream',
        },
      });
      expect(last.status).toBe(204);
      expect(last.headers.get('stowage-object-sha256')).toBe(sha(Buffer.alloc(0)));
      expect((await stored(`${ns}/tus/deferred-empty.txt`)).length).toBe(0);
    }, 60_000);

    it('tus: termination leaves nothing; a refused type at completion leaves nothing; another key cannot touch an upload', async () => {
      const before = await resumableLeftovers(api.runtime);
      // Termination mid-upload: create with the first chunk, then DELETE.
      const created = await fetch(tusEndpoint(), {
        method: 'POST',
        headers: {
          'x-api-key': writer,
          'tus-resumable': '1.0.0',
          'upload-length': String(12 * MiB),
          'upload-metadata': `key ${Buffer.from(`${ns}/tus/terminated.bin`).toString('base64')}`,
          'content-type': 'application/offset+octet-stream',
        },
        body: bytes(6 * MiB + 5, 3),
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('upload-offset')).toBe(String(6 * MiB + 5));
      const location = created.headers.get('location')!;
      const stranger = await fetch(location, {
        method: 'HEAD',
        headers: { 'x-api-key': other, 'tus-resumable': '1.0.0' },
      });
      expect(stranger.status).toBe(404);
      const anonymous = await fetch(location, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
      expect(anonymous.status).toBe(401);
      const head = await fetch(location, {
        method: 'HEAD',
        headers: { 'x-api-key': writer, 'tus-resumable': '1.0.0' },
      });
      expect(head.headers.get('upload-offset')).toBe(String(6 * MiB + 5));
      const deleted = await fetch(location, {
        method: 'DELETE',
        headers: { 'x-api-key': writer, 'tus-resumable': '1.0.0' },
      });
      expect(deleted.status).toBe(204);
      expect(
        (
          await fetch(location, {
            method: 'HEAD',
            headers: { 'x-api-key': writer, 'tus-resumable': '1.0.0' },
          })
        ).status,
      ).toBe(404);
      expect(await api.runtime.store.exists(`${ns}/tus/terminated.bin`)).toBe(false);

      // An .exe claimed as a PNG: refused when the last byte is in; nothing shows, nothing stays.
      const key = `${ns}/tus/fake.png`;
      const refused = await tusUpload(tusEndpoint(), EXE, {
        token: writer,
        metadata: { key, filename: 'fake.png', filetype: 'image/png' },
      });
      expect(refused.error).toBeDefined();
      expect(String(refused.error)).toMatch(/response code: 400/);
      expect(String(refused.error)).toMatch(/InvalidInput/);
      expect(await api.runtime.store.exists(key)).toBe(false);
      expect(await api.runtime.database.metadata.get(key, { includeDeleted: true })).toBeNull();
      expect(await resumableLeftovers(api.runtime)).toEqual(before);
    }, 60_000);

    it('tus: concurrent PATCHes at one offset are serialized (one wins, the other is told the offset moved)', async () => {
      const created = await fetch(tusEndpoint(), {
        method: 'POST',
        headers: {
          'x-api-key': writer,
          'tus-resumable': '1.0.0',
          'upload-length': String(2 * MiB),
          'upload-metadata': `key ${Buffer.from(`${ns}/tus/race.bin`).toString('base64')}`,
        },
      });
      const location = created.headers.get('location')!;
      const chunk = bytes(MiB, 5);
      const patch = () =>
        fetch(location, {
          method: 'PATCH',
          headers: {
            'x-api-key': writer,
            'tus-resumable': '1.0.0',
            'upload-offset': '0',
            'content-type': 'application/offset+octet-stream',
          },
          body: chunk,
        });
      const statuses = (await Promise.all([patch(), patch(), patch()])).map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 204)).toHaveLength(1);
      expect(statuses.every((s) => s === 204 || s === 409 || s === 423)).toBe(true);
      const head = await fetch(location, {
        method: 'HEAD',
        headers: { 'x-api-key': writer, 'tus-resumable': '1.0.0' },
      });
      expect(head.headers.get('upload-offset')).toBe(String(MiB));
      await fetch(location, { method: 'DELETE', headers: { 'x-api-key': writer, 'tus-resumable': '1.0.0' } });
    });

    it('direct multipart (the @uppy/aws-s3 endpoints): parts PUT to the signed URLs, listed, completed; abort leaves nothing', async () => {
      const json = async (path: string, init: RequestInit = {}) => {
        const response = await fetch(direct(path), {
          ...init,
          headers: { 'x-api-key': writer, 'content-type': 'application/json', ...init.headers },
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const key = `${ns}/direct/data.bin`;
      const created = await json('s3/multipart', {
        method: 'POST',
        body: JSON.stringify({ filename: 'data.bin', type: 'application/octet-stream', metadata: { key } }),
      });
      expect(created.status).toBe(200);
      const { uploadId } = created.body as { uploadId: string; key: string };
      expect(created.body.key).toBe(key);
      const parts = [bytes(5 * MiB, 21), bytes(5 * MiB, 22), bytes(777_777, 23)];
      const etags: string[] = [];
      for (const [i, part] of parts.entries()) {
        const signed = await json(`s3/multipart/${uploadId}/${i + 1}?key=${encodeURIComponent(key)}`);
        expect(signed.status).toBe(200);
        const { url, headers } = signed.body as { url: string; headers: Record<string, string> };
        if (api.runtime.store.name !== 'local') expect(new URL(url).origin).not.toBe(new URL(api.url).origin);
        const put = await fetch(url, { method: 'PUT', headers, body: part });
        expect(put.status, await put.clone().text()).toBe(200);
        etags.push(put.headers.get('etag')!);
      }
      const listed = await json(`s3/multipart/${uploadId}?key=${encodeURIComponent(key)}`);
      expect(
        (listed.body as unknown as Array<{ PartNumber: number; Size: number }>).map((p) => [
          p.PartNumber,
          p.Size,
        ]),
      ).toEqual([
        [1, 5 * MiB],
        [2, 5 * MiB],
        [3, 777_777],
      ]);
      const whole = Buffer.concat(parts);
      const done = await json(`s3/multipart/${uploadId}/complete?key=${encodeURIComponent(key)}`, {
        method: 'POST',
        body: JSON.stringify({ parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) }),
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body).toMatchObject({
        key,
        size: whole.length,
        location: expect.stringContaining('/v1/objects/'),
      });
      expect(sha(await stored(key))).toBe(sha(whole));
      expect((await api.runtime.database.metadata.get(key))?.size).toBe(whole.length);

      // Abort after a part: nothing on the backend, no session, no record.
      const second = await json('s3/multipart', {
        method: 'POST',
        body: JSON.stringify({ filename: 'gone.bin', metadata: { key: `${ns}/direct/gone.bin` } }),
      });
      const gone = (second.body as { uploadId: string }).uploadId;
      const signed = await json(`s3/multipart/${gone}/1?key=x`);
      const { url } = signed.body as { url: string };
      expect((await fetch(url, { method: 'PUT', body: bytes(MiB, 9) })).status).toBe(200);
      if (api.runtime.store.name === 'local') {
        // A tampered local part URL is refused (the first digit changed to another one: setting
        // it to '0' would leave a signature that starts with '0' intact, 1 time in 16).
        const tampered = await fetch(
          url.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`),
          { method: 'PUT', body: 'x' },
        );
        expect(tampered.status).toBe(403);
      }
      const aborted = await json(`s3/multipart/${gone}?key=x`, { method: 'DELETE' });
      expect(aborted.status).toBe(200);
      expect((await json(`s3/multipart/${gone}?key=x`)).status).toBe(404);
      expect(await api.runtime.store.exists(`${ns}/direct/gone.bin`)).toBe(false);
      expect(await resumableLeftovers(api.runtime)).toMatchObject(leftNothingBut({ tus: 1 }));
    }, 60_000);

    it('direct multipart: a refused type at completion leaves nothing', async () => {
      const before = await resumableLeftovers(api.runtime);
      const key = `${ns}/direct/fake.png`;
      const response = await fetch(direct('s3/multipart'), {
        method: 'POST',
        headers: { 'x-api-key': writer, 'content-type': 'application/json' },
        body: JSON.stringify({ filename: 'fake.png', type: 'image/png', metadata: { key } }),
      });
      const { uploadId } = (await response.json()) as { uploadId: string };
      const signed = (await (
        await fetch(direct(`s3/multipart/${uploadId}/1?key=k`), { headers: { 'x-api-key': writer } })
      ).json()) as { url: string; headers: Record<string, string> };
      expect(
        (await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: EXE.subarray(0, MiB) }))
          .status,
      ).toBe(200);
      const done = await fetch(direct(`s3/multipart/${uploadId}/complete?key=k`), {
        method: 'POST',
        headers: { 'x-api-key': writer, 'content-type': 'application/json' },
        body: JSON.stringify({}),
      });
      expect(done.status).toBe(400);
      expect(((await done.json()) as { error: { kind: string } }).error.kind).toBe('InvalidInput');
      expect(await api.runtime.store.exists(key)).toBe(false);
      expect(await api.runtime.database.metadata.get(key, { includeDeleted: true })).toBeNull();
      expect(await resumableLeftovers(api.runtime)).toEqual(before);
    });
  });
}

/** NOTHING_LEFT, except the completed tus uploads' records (kept until they expire, for HEAD). */
function leftNothingBut(extra: Partial<typeof NOTHING_LEFT>): Record<string, unknown> {
  return {
    ...NOTHING_LEFT,
    tus: expect.any(Number),
    ...extra,
    ...(extra.tus === undefined ? {} : { tus: expect.any(Number) }),
  };
}
