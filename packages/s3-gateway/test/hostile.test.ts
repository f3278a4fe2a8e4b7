import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Crc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayBucket } from '../src/index.js';
import {
  type Answer,
  awsChunked,
  errorCode,
  type RawRequest,
  send,
  sha256Hex,
  signingKey,
  signRequest,
} from './signing.js';
import { type RunningGateway, startGateway } from './support.js';

/** Requests no client should send: each is refused and leaves nothing behind. */
describe('hostile input against the gateway over local mode', () => {
  let gw: RunningGateway;
  let host: string;
  let bucket: GatewayBucket;
  const NAME = 'hostile';
  const creds = () => ({ accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey });

  beforeAll(async () => {
    gw = await startGateway('local');
    host = new URL(gw.url).host;
    await gw.gateway.buckets.create(NAME);
    bucket = (await gw.gateway.buckets.get(NAME))!;
  });
  afterAll(async () => {
    await gw?.close();
  });

  async function put(
    key: string,
    body: Buffer,
    options: {
      payloadHash?: string;
      headers?: Record<string, string>;
      date?: Date;
      transform?: (req: RawRequest) => void;
      cutAfter?: number;
    } = {},
  ): Promise<Answer | null> {
    const path = `/${NAME}/${key}`;
    const signed = await signRequest(creds(), host, {
      method: 'PUT',
      path,
      payloadHash: options.payloadHash ?? sha256Hex(body),
      headers: { 'content-length': String(body.length), ...options.headers },
      ...(options.date === undefined ? {} : { date: options.date }),
    });
    const req: RawRequest = { method: 'PUT', path, headers: signed.headers, body };
    options.transform?.(req);
    return send(gw.url, req, options.cutAfter === undefined ? {} : { cutAfter: options.cutAfter });
  }

  /** A streaming upload signed chunk by chunk; `build` makes the body from the seed signature. */
  async function putChunked(
    key: string,
    data: Buffer[],
    mode:
      | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
      | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
      | 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    options: Parameters<typeof awsChunked>[1] & {
      trailerName?: string;
      cutAfter?: number;
      declaredLength?: number;
    } = {},
  ): Promise<Answer | null> {
    const path = `/${NAME}/${key}`;
    const decoded = data.reduce((n, d) => n + d.length, 0);
    const headers: Record<string, string> = {
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(options.declaredLength ?? decoded),
    };
    if (options.trailerName !== undefined) headers['x-amz-trailer'] = options.trailerName;
    // The encoded length depends only on sizes, so sign with a placeholder body first.
    const probe = awsChunked(data, {
      ...(mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'
        ? {}
        : { signing: { key: Buffer.alloc(32), longDate: '20000101T000000Z', seed: '0'.repeat(64) } }),
      ...(options.trailers === undefined ? {} : { trailers: options.trailers }),
    });
    headers['content-length'] = String(probe.length);
    const signed = await signRequest(creds(), host, { method: 'PUT', path, payloadHash: mode, headers });
    const body = awsChunked(data, {
      ...options,
      ...(mode === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'
        ? {}
        : {
            signing: {
              key: signingKey(gw.secretAccessKey, signed.longDate.slice(0, 8)),
              longDate: signed.longDate,
              seed: signed.signature,
            },
          }),
    });
    return send(
      gw.url,
      { method: 'PUT', path, headers: signed.headers, body },
      options.cutAfter === undefined ? {} : { cutAfter: options.cutAfter },
    );
  }

  const stored = (key: string) => bucket.store.exists(key);
  const data = [Buffer.alloc(70_000, 1), Buffer.alloc(10_000, 2)];
  const whole = Buffer.concat(data);
  const b64 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    return b.toString('base64');
  };
  const crc32c = (d: Buffer) => b64(new Crc32c().update(d).digest());
  const crc64 = async (d: Buffer) => {
    const c = new Crc64Nvme();
    c.update(d);
    return Buffer.from(await c.digest()).toString('base64');
  };

  it('a correctly signed put in every payload mode is stored (the baseline)', async () => {
    expect((await put('ok/literal', whole))?.status).toBe(200);
    expect((await put('ok/unsigned', whole, { payloadHash: 'UNSIGNED-PAYLOAD' }))?.status).toBe(200);
    expect((await putChunked('ok/chunks', data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'))?.status).toBe(200);
    for (const [name, value] of [
      ['x-amz-checksum-crc32', b64(crc32(whole))],
      ['x-amz-checksum-crc32c', crc32c(whole)],
      ['x-amz-checksum-crc64nvme', await crc64(whole)],
      ['x-amz-checksum-sha256', createHash('sha256').update(whole).digest('base64')],
    ] as const) {
      const unsigned = await putChunked(
        `ok/unsigned-trailer-${name}`,
        data,
        'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        {
          trailerName: name,
          trailers: { [name]: value },
        },
      );
      expect(unsigned?.status, `${name}: ${unsigned?.body}`).toBe(200);
      const signed = await putChunked(
        `ok/signed-trailer-${name}`,
        data,
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        {
          trailerName: name,
          trailers: { [name]: value },
        },
      );
      expect(signed?.status, `${name}: ${signed?.body}`).toBe(200);
    }
    expect(await stored('ok/signed-trailer-x-amz-checksum-crc64nvme')).toBe(true);
  });

  it('a wrong signature is SignatureDoesNotMatch, nothing stored', async () => {
    const answer = await put('bad/signature', whole, {
      transform: (req) => {
        req.headers.authorization = req.headers.authorization!.replace(
          /Signature=(.)/,
          (_m, c: string) => `Signature=${c === 'a' ? 'b' : 'a'}`,
        );
      },
    });
    expect([answer?.status, errorCode(answer)]).toEqual([403, 'SignatureDoesNotMatch']);
    const wrongSecret = await signRequest(
      { accessKeyId: gw.accessKeyId, secretAccessKey: 'not-the-secret' },
      host,
      {
        method: 'PUT',
        path: `/${NAME}/bad/secret`,
        payloadHash: sha256Hex(whole),
        headers: { 'content-length': String(whole.length) },
      },
    );
    const a2 = await send(gw.url, {
      method: 'PUT',
      path: `/${NAME}/bad/secret`,
      headers: wrongSecret.headers,
      body: whole,
    });
    expect([a2?.status, errorCode(a2)]).toEqual([403, 'SignatureDoesNotMatch']);
    const unknown = await signRequest(
      { accessKeyId: 'sk_00000000000000000000', secretAccessKey: 'x' },
      host,
      {
        method: 'GET',
        path: `/${NAME}`,
        payloadHash: sha256Hex(''),
      },
    );
    const a3 = await send(gw.url, { method: 'GET', path: `/${NAME}`, headers: unknown.headers });
    expect([a3?.status, errorCode(a3)]).toEqual([403, 'InvalidAccessKeyId']);
    // A signed header changed after signing.
    const a4 = await put('bad/header', whole, {
      headers: { 'x-amz-meta-role': 'user' },
      transform: (req) => {
        req.headers['x-amz-meta-role'] = 'admin';
      },
    });
    expect([a4?.status, errorCode(a4)]).toEqual([403, 'SignatureDoesNotMatch']);
    for (const key of ['bad/signature', 'bad/secret', 'bad/header']) expect(await stored(key)).toBe(false);
  });

  it('a replayed request outside the 15-minute window is RequestTimeTooSkewed, nothing stored', async () => {
    const past = await put('bad/replay-past', whole, { date: new Date(Date.now() - 16 * 60_000) });
    expect([past?.status, errorCode(past)]).toEqual([403, 'RequestTimeTooSkewed']);
    const future = await put('bad/replay-future', whole, { date: new Date(Date.now() + 16 * 60_000) });
    expect([future?.status, errorCode(future)]).toEqual([403, 'RequestTimeTooSkewed']);
    // Inside the window the same request is accepted.
    expect((await put('ok/within-window', whole, { date: new Date(Date.now() - 14 * 60_000) }))?.status).toBe(
      200,
    );
    expect(await stored('bad/replay-past')).toBe(false);
    expect(await stored('bad/replay-future')).toBe(false);
  });

  it('a tampered chunk signature (or chunk) is SignatureDoesNotMatch, nothing stored', async () => {
    for (const n of [0, 1, 2]) {
      const a = await putChunked(`bad/chunk-sig-${n}`, data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', {
        tamperChunkSignature: n,
      });
      expect([a?.status, errorCode(a)], `chunk ${n}`).toEqual([403, 'SignatureDoesNotMatch']);
      expect(await stored(`bad/chunk-sig-${n}`)).toBe(false);
    }
    const tampered = await putChunked('bad/trailer-sig', data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', {
      trailerName: 'x-amz-checksum-crc32',
      trailers: { 'x-amz-checksum-crc32': b64(crc32(whole)) },
      tamperTrailerSignature: true,
    });
    expect([tampered?.status, errorCode(tampered)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(await stored('bad/trailer-sig')).toBe(false);
    // An overwrite that fails keeps the object that was there.
    expect((await put('keep/me', Buffer.from('old')))?.status).toBe(200);
    const over = await putChunked('keep/me', data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', {
      tamperChunkSignature: 1,
    });
    expect(over?.status).toBe(403);
    const kept = await bucket.store.get('keep/me');
    expect(Buffer.concat(await kept.body.toArray()).toString()).toBe('old');
  });

  it('a wrong trailer checksum (every algorithm, both trailer modes) is BadDigest, nothing stored', async () => {
    for (const name of [
      'x-amz-checksum-crc32',
      'x-amz-checksum-crc32c',
      'x-amz-checksum-crc64nvme',
      'x-amz-checksum-sha256',
    ]) {
      const wrong = name.endsWith('crc64nvme')
        ? 'AAAAAAAAAAA='
        : name.endsWith('sha256')
          ? createHash('sha256').update('x').digest('base64')
          : 'AAAAAA==';
      for (const mode of [
        'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      ] as const) {
        const key = `bad/trailer-${name}-${mode.length}`;
        const a = await putChunked(key, data, mode, { trailerName: name, trailers: { [name]: wrong } });
        expect([a?.status, errorCode(a)], `${name} ${mode}`).toEqual([400, 'BadDigest']);
        expect(await stored(key)).toBe(false);
      }
    }
    // Declared but never sent.
    const missing = await putChunked('bad/trailer-missing', data, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', {
      trailerName: 'x-amz-checksum-crc32',
    });
    expect(missing?.status).toBe(400);
    expect(await stored('bad/trailer-missing')).toBe(false);
  });

  it('a wrong literal sha256, Content-MD5 or checksum header is refused, nothing stored', async () => {
    const sha = await put('bad/sha', whole, { payloadHash: sha256Hex('something else') });
    expect([sha?.status, errorCode(sha)]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    const md5 = await put('bad/md5', whole, {
      headers: { 'content-md5': createHash('md5').update('x').digest('base64') },
    });
    expect([md5?.status, errorCode(md5)]).toEqual([400, 'BadDigest']);
    const crc = await put('bad/crc-header', whole, { headers: { 'x-amz-checksum-crc32': 'AAAAAA==' } });
    expect([crc?.status, errorCode(crc)]).toEqual([400, 'BadDigest']);
    for (const key of ['bad/sha', 'bad/md5', 'bad/crc-header']) expect(await stored(key)).toBe(false);
  });

  it('a truncated chunked body is refused or dropped, nothing stored', async () => {
    // The connection dies mid-chunk.
    await putChunked('bad/cut-signed', data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', { cutAfter: 30_000 });
    await putChunked('bad/cut-trailer', data, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', {
      trailerName: 'x-amz-checksum-crc32',
      trailers: { 'x-amz-checksum-crc32': b64(crc32(whole)) },
      cutAfter: 75_000,
    });
    // A complete HTTP message whose aws-chunked framing ends early.
    const path = `/${NAME}/bad/short-framing`;
    const full = awsChunked(data);
    const cut = full.subarray(0, 50_000);
    const signed = await signRequest(
      { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
      host,
      {
        method: 'PUT',
        path,
        payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        headers: {
          'content-length': String(cut.length),
          'x-amz-decoded-content-length': String(whole.length),
        },
      },
    );
    const a = await send(gw.url, { method: 'PUT', path, headers: signed.headers, body: cut });
    expect([a?.status, errorCode(a)]).toEqual([400, 'IncompleteBody']);
    // A decoded length that does not match the chunks.
    const wrongLength = await putChunked('bad/decoded-length', data, 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', {
      declaredLength: whole.length + 1,
    });
    expect(wrongLength?.status).toBe(400);
    await new Promise((r) => setTimeout(r, 200));
    for (const key of ['bad/cut-signed', 'bad/cut-trailer', 'bad/short-framing', 'bad/decoded-length']) {
      expect(await stored(key), key).toBe(false);
    }
  });

  it('path traversal in keys never reaches outside the bucket', async () => {
    const root = join(gw.dataDir, 'buckets', NAME);
    const attempts = [
      '../escaped',
      '../../escaped',
      'a/../../escaped',
      '%2e%2e/escaped',
      '%2E%2E%2Fescaped',
      'a/%2e%2e/%2e%2e/escaped',
      '..%5c..%5cescaped',
      'a/./b',
      '/abs/escaped',
      'nul%00byte',
      '.stowage-meta-x',
      'a//b',
    ];
    const answers: Record<string, number | undefined> = {};
    for (const raw of attempts) {
      const path = `/${NAME}/${raw}`;
      const body = Buffer.from('traversal');
      const signed = await signRequest(creds(), host, {
        method: 'PUT',
        path,
        payloadHash: sha256Hex(body),
        headers: { 'content-length': String(body.length) },
      });
      answers[raw] = (await send(gw.url, { method: 'PUT', path, headers: signed.headers, body }))?.status;
      const get = await signRequest(creds(), host, { method: 'GET', path, payloadHash: sha256Hex('') });
      const read = await send(gw.url, { method: 'GET', path, headers: get.headers });
      expect(read?.status, `GET ${raw}`).not.toBe(200);
    }
    for (const [raw, status] of Object.entries(answers)) expect(status, raw).toBe(400);
    expect(existsSync(join(gw.dataDir, 'buckets', 'escaped'))).toBe(false);
    expect(existsSync(join(gw.dataDir, 'escaped'))).toBe(false);
    expect(existsSync(join(gw.dataDir, '..', 'escaped'))).toBe(false);
    // Nothing but what the earlier cases stored lies under the bucket's directory.
    const walk = async (dir: string): Promise<string[]> =>
      (await readdir(dir, { withFileTypes: true })).flatMap((e) =>
        e.isDirectory() ? [] : [join(dir, e.name)],
      );
    expect((await walk(root)).filter((f) => f.includes('escaped') || f.includes('traversal'))).toEqual([]);
  });

  it('anonymous requests read only public objects and write nothing', async () => {
    expect(
      (await put('pub/open.txt', Buffer.from('open'), { headers: { 'x-amz-acl': 'public-read' } }))?.status,
    ).toBe(200);
    const open = await send(gw.url, { method: 'GET', path: `/${NAME}/pub/open.txt`, headers: {} });
    expect([open?.status, open?.body]).toEqual([200, 'open']);
    const closed = await send(gw.url, { method: 'GET', path: `/${NAME}/ok/literal`, headers: {} });
    expect([closed?.status, errorCode(closed)]).toEqual([403, 'AccessDenied']);
    const write = await send(gw.url, {
      method: 'PUT',
      path: `/${NAME}/anon.txt`,
      headers: { 'content-length': '1' },
      body: Buffer.from('x'),
    });
    expect(write?.status).toBe(403);
    const list = await send(gw.url, { method: 'GET', path: `/${NAME}`, headers: {} });
    expect(list?.status).toBe(403);
    expect(await stored('anon.txt')).toBe(false);
  });
});
