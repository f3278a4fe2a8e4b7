import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import type { RuntimeConfig } from '@stowage/runtime';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from './api-harness.js';

const run = promisify(execFile);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A 1×1-declared PNG header (validation reads headers, never decodes). */
function png(width = 64, height = 48): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8);
  ihdr.writeUInt8(2, 9);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** What was left under a key after a refused request: the object, and its metadata record. */
async function leftovers(api: RunningApi, key: string): Promise<string> {
  const object = await api.runtime.store.exists(key);
  const record = await api.runtime.database.metadata.get(key, { includeDeleted: true });
  return object || record !== null ? `object=${object} record=${record !== null}` : 'nothing';
}

export interface ServiceTarget {
  config(): RuntimeConfig | Promise<RuntimeConfig>;
  teardown?(): Promise<void>;
}

/** The service end to end over real HTTP: routes, auth, errors and what is left behind. */
export function describeServiceScenarios(label: string, target: ServiceTarget): void {
  describe(`storage service: ${label}`, () => {
    let api: RunningApi;
    let admin: string;
    let writer: string;
    let reader: string;
    const jwtSecret = randomBytes(32).toString('hex');
    const ns = `svc-${randomBytes(3).toString('hex')}`;
    const url = (path: string) => `${api.url}${path}`;
    const object = (key: string) => url(`v1/objects/${key.split('/').map(encodeURIComponent).join('/')}`);

    beforeAll(async () => {
      const config = await target.config();
      api = await startApi({ ...config, api: { ...config.api, jwtSecret, maxUploadBytes: 4 * 1024 * 1024 } });
      admin = await api.token(['admin']);
      writer = await api.token(['write']);
      reader = await api.token(['read']);
    }, 120_000);
    afterAll(async () => {
      await api?.close();
      await target.teardown?.();
    }, 60_000);

    it('uploads a raw body, answers with its urls and sha256, and serves it back', async () => {
      const body = randomBytes(300_000);
      const put = await fetch(object(`${ns}/raw/data.bin`), {
        method: 'PUT',
        headers: {
          'x-api-key': writer,
          'x-stowage-meta-origin': 'test',
          'content-type': 'application/octet-stream',
        },
        body,
      });
      expect(put.status).toBe(201);
      const answer = (await put.json()) as {
        key: string;
        size: number;
        sha256?: string;
        urls: { api: string };
      };
      expect(answer).toMatchObject({ key: `${ns}/raw/data.bin`, size: body.length });
      if (answer.sha256 !== undefined) expect(answer.sha256).toBe(sha(body));
      const get = await fetch(answer.urls.api, { headers: { 'x-api-key': reader } });
      expect(get.status).toBe(200);
      expect(get.headers.get('x-request-id')).toBeTruthy();
      expect(sha(Buffer.from(await get.arrayBuffer()))).toBe(sha(body));
      // The download is audited after the answer, off its path: wait for it (bounded).
      let actions: string[] = [];
      for (let i = 0; i < 50 && !actions.includes('download'); i++) {
        actions = (await api.runtime.database.audit.query({ key: `${ns}/raw/data.bin` })).items.map(
          (e) => e.action,
        );
        if (!actions.includes('download')) await new Promise((r) => setTimeout(r, 20));
      }
      expect(actions).toEqual(expect.arrayContaining(['upload', 'download']));
    });

    it('uploads a multipart form, judging the type by its bytes', async () => {
      const form = new FormData();
      form.append('key', `${ns}/form/picture.png`);
      // Public where the store has per-object visibility (SeaweedFS leaves it to the bucket policy).
      if (api.runtime.store.capabilities.visibility) form.append('visibility', 'public');
      form.append('file', new Blob([png(640, 480)], { type: 'image/png' }), 'picture.png');
      const response = await fetch(url('v1/objects'), {
        method: 'POST',
        headers: { 'x-api-key': writer },
        body: form,
      });
      expect(response.status).toBe(201);
      const answer = (await response.json()) as {
        contentType: string;
        image: unknown;
        urls: { cdn?: string };
      };
      expect(answer.contentType).toBe('image/png');
      expect(answer.image).toEqual({ width: 640, height: 480 });
      if (answer.urls.cdn !== undefined) expect((await fetch(answer.urls.cdn)).status).toBe(200);
    });

    it('answers range and conditional requests as curl sends them', async () => {
      const key = `${ns}/curl/letters.txt`;
      await fetch(object(key), {
        method: 'PUT',
        headers: { 'x-api-key': writer },
        body: 'abcdefghijklmnopqrstuvwxyz',
      });
      const curl = async (...args: string[]) => {
        const { stdout } = await run('curl', [
          '-sS',
          '-i',
          '-H',
          `X-Api-Key: ${reader}`,
          ...args,
          object(key),
        ]);
        const [head, ...rest] = stdout.split('\r\n\r\n');
        return {
          status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(head!)?.[1]),
          head: head!,
          body: rest.join('\r\n\r\n'),
        };
      };
      const range = await curl('-r', '2-5');
      expect(range.status).toBe(206);
      expect(range.body).toBe('cdef');
      expect(range.head).toMatch(/content-range: bytes 2-5\/26/i);
      expect((await curl('-r', '100-200')).status).toBe(416);
      const etag = /etag: (".*")/i.exec((await curl()).head)![1]!;
      expect((await curl('-H', `If-None-Match: ${etag}`)).status).toBe(304);
      expect((await curl('-H', 'If-Match: "nope"')).status).toBe(412);
      // A stale If-Range gets the whole object, never a splice of two versions.
      const stale = await curl('-r', '0-3', '-H', 'If-Range: "old-version"');
      expect(stale.status).toBe(200);
      expect(stale.body).toBe('abcdefghijklmnopqrstuvwxyz');
      const head = await run('curl', ['-sS', '-I', '-H', `X-Api-Key: ${reader}`, object(key)]);
      expect(head.stdout).toMatch(/content-length: 26/i);
    });

    it('lists with a cursor and a delimiter, hiding its own trash', async () => {
      for (const name of ['a/1', 'a/2', 'b/1', 'top']) {
        await fetch(object(`${ns}/list/${name}`), {
          method: 'PUT',
          headers: { 'x-api-key': writer },
          body: name,
        });
      }
      await fetch(object(`${ns}/list/top`), { method: 'DELETE', headers: { 'x-api-key': writer } });
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = (await (
          await fetch(
            url(
              `v1/objects?prefix=${ns}/list/&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            ),
            {
              headers: { 'x-api-key': reader },
            },
          )
        ).json()) as { items: Array<{ key: string }>; cursor?: string };
        seen.push(...page.items.map((i) => i.key));
        cursor = page.cursor;
      } while (cursor !== undefined);
      expect(seen).toEqual([`${ns}/list/a/1`, `${ns}/list/a/2`, `${ns}/list/b/1`]);
      const folders = (await (
        await fetch(url(`v1/objects?prefix=${ns}/list/&delimiter=/`), { headers: { 'x-api-key': reader } })
      ).json()) as { prefixes: string[] };
      expect(folders.prefixes).toEqual([`${ns}/list/a/`, `${ns}/list/b/`]);
      const everything = (await (
        await fetch(url('v1/objects?limit=1000'), { headers: { 'x-api-key': reader } })
      ).json()) as {
        items: Array<{ key?: string }>;
      };
      expect(everything.items.some((i) => i.key?.startsWith('.stowage/'))).toBe(false);
    });

    it('deletes softly and restores; a hard delete needs admin', async () => {
      const key = `${ns}/del/doc.txt`;
      await fetch(object(key), { method: 'PUT', headers: { 'x-api-key': writer }, body: 'keep me' });
      expect((await fetch(object(key), { method: 'DELETE', headers: { 'x-api-key': writer } })).status).toBe(
        204,
      );
      expect((await fetch(object(key), { headers: { 'x-api-key': reader } })).status).toBe(404);
      const restored = await fetch(url('v1/restore'), {
        method: 'POST',
        headers: { 'x-api-key': writer, 'content-type': 'application/json' },
        body: JSON.stringify({ key }),
      });
      expect(restored.status).toBe(200);
      expect(await (await fetch(object(key), { headers: { 'x-api-key': reader } })).text()).toBe('keep me');
      expect(
        (await fetch(`${object(key)}?hard=true`, { method: 'DELETE', headers: { 'x-api-key': writer } }))
          .status,
      ).toBe(403);
      expect(
        (await fetch(`${object(key)}?hard=true`, { method: 'DELETE', headers: { 'x-api-key': admin } }))
          .status,
      ).toBe(204);
      expect(await leftovers(api, key)).toBe('nothing');
      const again = await fetch(url('v1/restore'), {
        method: 'POST',
        headers: { 'x-api-key': writer, 'content-type': 'application/json' },
        body: JSON.stringify({ key }),
      });
      expect(again.status).toBe(404);
    });

    it('copies and moves', async () => {
      await fetch(object(`${ns}/cp/src`), {
        method: 'PUT',
        headers: { 'x-api-key': writer },
        body: 'copied',
      });
      const post = (path: string, body: unknown) =>
        fetch(url(path), {
          method: 'POST',
          headers: { 'x-api-key': writer, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('v1/copy', { from: `${ns}/cp/src`, to: `${ns}/cp/dst` })).status).toBe(200);
      expect((await post('v1/move', { from: `${ns}/cp/dst`, to: `${ns}/cp/moved` })).status).toBe(200);
      expect(
        (await post('v1/copy', { from: `${ns}/cp/src`, to: `${ns}/cp/moved`, ifNoneMatch: '*' })).status,
      ).toBe(409);
      expect(await (await fetch(object(`${ns}/cp/moved`), { headers: { 'x-api-key': reader } })).text()).toBe(
        'copied',
      );
      expect((await fetch(object(`${ns}/cp/dst`), { headers: { 'x-api-key': reader } })).status).toBe(404);
    });

    it('presigns downloads and size-capped uploads; tampered URLs are refused; every presign is audited', async () => {
      const key = `${ns}/presign/private.txt`;
      await fetch(object(key), { method: 'PUT', headers: { 'x-api-key': writer }, body: 'signed only' });
      expect((await fetch(object(key))).status).toBe(401);
      const presign = async (body: unknown, token = reader) =>
        fetch(url('v1/presign'), {
          method: 'POST',
          headers: { 'x-api-key': token, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const get = (await (await presign({ key, method: 'GET', expiresIn: 300 })).json()) as { url: string };
      expect(await (await fetch(get.url)).text()).toBe('signed only');
      const tampered = await fetch(get.url.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')));
      expect(tampered.status).toBe(403);
      await tampered.body?.cancel();
      expect((await presign({ key: `${ns}/presign/up.txt`, method: 'PUT' })).status).toBe(403);
      const put = (await (
        await presign(
          { key: `${ns}/presign/up.txt`, method: 'PUT', maxSize: 10, contentType: 'text/plain' },
          writer,
        )
      ).json()) as {
        method: string;
        url: string;
        headers?: Record<string, string>;
        fields?: Record<string, string>;
      };
      const send = (content: string) => {
        if (put.method === 'POST') {
          const form = new FormData();
          for (const [name, value] of Object.entries(put.fields ?? {})) form.append(name, value);
          form.append('file', new Blob([content], { type: 'text/plain' }));
          return fetch(put.url, { method: 'POST', body: form });
        }
        return fetch(put.url, {
          method: 'PUT',
          headers: { ...put.headers, 'content-type': 'text/plain' },
          body: content,
        });
      };
      const tooBig = await send('x'.repeat(11));
      expect(tooBig.status).toBeGreaterThanOrEqual(400);
      await tooBig.body?.cancel();
      expect(await api.runtime.store.exists(`${ns}/presign/up.txt`)).toBe(false);
      const ok = await send('fits');
      expect(ok.status).toBeLessThan(300);
      await ok.body?.cancel();
      const audited = await api.runtime.database.audit.query({ action: 'presign' });
      expect(audited.items.filter((e) => e.key.startsWith(`${ns}/presign/`)).length).toBeGreaterThanOrEqual(
        2,
      );
    });

    it('authenticates API keys and JWTs, with scopes', async () => {
      const key = `${ns}/auth/x.txt`;
      const put = (headers: Record<string, string>) =>
        fetch(object(key), { method: 'PUT', headers, body: 'x' });
      expect((await put({})).status).toBe(401);
      expect((await put({ 'x-api-key': reader })).status).toBe(403);
      expect((await put({ 'x-api-key': `${writer}x` })).status).toBe(401);
      expect((await put({ authorization: `Bearer ${writer}` })).status).toBe(201);
      const jwt = await new SignJWT({ scope: 'read write' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('user-42')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(jwtSecret));
      expect((await put({ authorization: `Bearer ${jwt}` })).status).toBe(201);
      const expired = await new SignJWT({ scope: 'write' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('user-42')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
        .sign(new TextEncoder().encode(jwtSecret));
      expect((await put({ authorization: `Bearer ${expired}` })).status).toBe(401);
      const forged = await new SignJWT({ scope: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('mallory')
        .sign(new TextEncoder().encode('not-the-server-secret-0123456789abcdef'));
      expect((await put({ authorization: `Bearer ${forged}` })).status).toBe(401);
      // Keys made through the admin route work at once and die when revoked.
      const made = (await (
        await fetch(url('v1/admin/keys'), {
          method: 'POST',
          headers: { 'x-api-key': admin, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'temp', scopes: ['write'] }),
        })
      ).json()) as { id: string; token: string };
      expect((await put({ 'x-api-key': made.token })).status).toBe(201);
      await fetch(url(`v1/admin/keys/${made.id}`), { method: 'DELETE', headers: { 'x-api-key': admin } });
      expect((await put({ 'x-api-key': made.token })).status).toBe(401);
      expect((await fetch(url('v1/admin/keys'), { headers: { 'x-api-key': writer } })).status).toBe(403);
    });

    it('refuses bad input with the right status, a JSON error, and nothing left behind', async () => {
      type Case = { name: string; send: () => Promise<Response>; status: number; kind: string; key?: string };
      const put = (
        key: string,
        body: NonNullable<RequestInit['body']> | Buffer,
        headers: Record<string, string> = {},
      ) =>
        fetch(object(key), {
          method: 'PUT',
          headers: { 'x-api-key': writer, ...headers },
          body: body as RequestInit['body'],
        });
      const cases: Case[] = [
        {
          name: 'no auth',
          send: () => fetch(object(`${ns}/bad/a`), { method: 'PUT', body: 'x' }),
          status: 401,
          kind: 'PermissionDenied',
          key: `${ns}/bad/a`,
        },
        {
          name: 'wrong scope',
          send: () =>
            fetch(object(`${ns}/bad/b`), { method: 'PUT', headers: { 'x-api-key': reader }, body: 'x' }),
          status: 403,
          kind: 'PermissionDenied',
          key: `${ns}/bad/b`,
        },
        {
          name: 'oversized with Content-Length',
          send: () => put(`${ns}/bad/big`, Buffer.alloc(5 * 1024 * 1024)),
          status: 413,
          kind: 'PayloadTooLarge',
          key: `${ns}/bad/big`,
        },
        {
          name: 'oversized without Content-Length (chunked)',
          send: () =>
            fetch(object(`${ns}/bad/chunked`), {
              method: 'PUT',
              headers: { 'x-api-key': writer },
              body: new ReadableStream({
                start(controller) {
                  for (let i = 0; i < 6; i++) controller.enqueue(new Uint8Array(1024 * 1024));
                  controller.close();
                },
              }),
              duplex: 'half',
            } as RequestInit),
          status: 413,
          kind: 'PayloadTooLarge',
          key: `${ns}/bad/chunked`,
        },
        {
          name: 'invalid key',
          send: () => rawPut(new URL(api.url), `/v1/objects/${ns}/bad/../../etc/passwd`, writer, 'x'),
          status: 400,
          kind: 'InvalidKey',
          key: 'etc/passwd',
        },
        { name: 'reserved key', send: () => put('.stowage/trash/x', 'x'), status: 400, kind: 'InvalidKey' },
        {
          name: 'an .exe renamed .png',
          send: () =>
            put(`${ns}/bad/fake.png`, Buffer.concat([Buffer.from('MZ'), Buffer.alloc(510)]), {
              'content-type': 'image/png',
              'x-stowage-filename': 'fake.png',
            }),
          status: 400,
          kind: 'InvalidInput',
          key: `${ns}/bad/fake.png`,
        },
        {
          name: 'malformed JSON',
          send: () =>
            fetch(url('v1/presign'), {
              method: 'POST',
              headers: { 'x-api-key': writer, 'content-type': 'application/json' },
              body: '{"key": ',
            }),
          status: 400,
          kind: 'InvalidInput',
        },
        {
          name: 'truncated multipart body',
          send: () =>
            fetch(url('v1/objects'), {
              method: 'POST',
              headers: { 'x-api-key': writer, 'content-type': 'multipart/form-data; boundary=XYZ' },
              body: `--XYZ\r\nContent-Disposition: form-data; name="key"\r\n\r\n${ns}/bad/truncated\r\n--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhalf a fi`,
            }),
          status: 400,
          kind: 'InvalidInput',
          key: `${ns}/bad/truncated`,
        },
        {
          name: 'tampered presigned URL',
          send: async () => {
            const signed = (await (
              await fetch(url('v1/presign'), {
                method: 'POST',
                headers: { 'x-api-key': reader, 'content-type': 'application/json' },
                body: JSON.stringify({ key: `${ns}/raw/data.bin`, method: 'GET' }),
              })
            ).json()) as { url: string };
            // One hex digit changed (to another digit: a signature may start with '0' already).
            return fetch(
              signed.url.replace(
                /(sig|Signature)=(.)/,
                (_m, name: string, c: string) => `${name}=${c === '0' ? '1' : '0'}`,
              ),
            );
          },
          status: 403,
          kind: 'PermissionDenied',
        },
      ];
      const table: string[] = [];
      for (const c of cases) {
        if (process.env.STOWAGE_TEST_TRACE) console.log('case', c.name);
        const response = await c.send();
        const text = await response.text();
        let kind = '';
        try {
          // /v1 and /files answer alike: { error: { kind, message, requestId } }, the id that of
          // the response's x-request-id.
          const parsed = JSON.parse(text) as { error?: { kind?: string; requestId?: string } };
          kind = parsed.error?.kind ?? '';
          expect(parsed.error?.requestId, c.name).toBe(response.headers.get('x-request-id'));
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          kind = /<Code>(\w+)<\/Code>/.exec(text)?.[1] ?? 'non-JSON';
        }
        const left = c.key === undefined ? 'n/a' : await leftovers(api, c.key);
        table.push(`${c.name} → ${response.status} ${kind} → left: ${left}`);
        expect(response.status, c.name).toBe(c.status);
        // A presigned URL to S3 is answered by S3 itself, in its own words.
        const s3Words = ['AccessDenied', 'SignatureDoesNotMatch'];
        if (!(c.name.startsWith('tampered') && s3Words.includes(kind))) expect(kind, c.name).toBe(c.kind);
        if (c.key !== undefined) expect(left, c.name).toBe('nothing');
      }
      console.log(`bad input (${label}):\n  ${table.join('\n  ')}`);
      // Local mode: no temp file of a refused upload stays on disk either.
      if (api.runtime.mode === 'local')
        expect(await tempFiles(join(api.runtime.config.dataDir!, 'objects'))).toEqual([]);
    }, 60_000);

    it('stores nothing when the client disconnects mid-upload', async () => {
      const key = `${ns}/bad/disconnect.bin`;
      const target = new URL(object(key));
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'PUT',
          headers: { 'x-api-key': writer, 'content-length': String(3 * 1024 * 1024) },
        });
        req.on('error', () => resolve());
        req.write(Buffer.alloc(1024 * 1024));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await leftovers(api, key)).toBe('nothing');
      if (api.runtime.mode === 'local')
        expect(await tempFiles(join(api.runtime.config.dataDir!, 'objects'))).toEqual([]);
    });

    it('reports health, readiness, metrics and its OpenAPI document', async () => {
      expect(await (await fetch(url('healthz'))).json()).toEqual({ status: 'ok' });
      const ready = await fetch(url('readyz'));
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks.database?.ok).toBe(
        true,
      );
      const metrics = await (await fetch(url('metrics'))).text();
      expect(metrics).toContain('stowage_http_requests_total');
      expect(metrics).toContain('stowage_bytes_in_total');
      const openapi = (await (await fetch(url('openapi.json'))).json()) as {
        openapi: string;
        paths: Record<string, unknown>;
      };
      expect(openapi.openapi).toBe('3.1.0');
      expect(Object.keys(openapi.paths)).toEqual(
        expect.arrayContaining(['/v1/objects', '/v1/presign', '/v1/admin/keys']),
      );
      expect((await fetch(url('docs'))).status).toBe(200);
    });
  });
}

/** A PUT whose path goes out exactly as written (fetch and URL would resolve its dot segments). */
function rawPut(base: URL, path: string, token: string, body: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'PUT',
        headers: { 'x-api-key': token, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = Object.entries(res.headers).flatMap(([name, value]): [string, string][] =>
            value === undefined ? [] : Array.isArray(value) ? value.map((v) => [name, v]) : [[name, value]],
          );
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers }));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Temp files the local store writes before its atomic rename (`.stowage-tmp-…`), anywhere under `dir`. */
async function tempFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((name) => basename(name).startsWith('.stowage-tmp-'));
}
