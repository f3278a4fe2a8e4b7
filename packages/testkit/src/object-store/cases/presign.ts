import { expect } from 'vitest';
import { expectStorageError, getText } from '../assertions.js';
import type { CaseContext, Harness, Requirement } from '../harness.js';

const PRESIGN_GET: Requirement = ['presignGet', 'presigned GET URLs are not available'];
const PRESIGN_PUT: Requirement = ['presignPut', 'presigned PUT requests are not available'];
const RANGE: Requirement = ['rangeRead', 'byte-range reads are not available'];
const CONTENT_HEADERS: Requirement = ['contentHeaders', 'content-disposition is not stored or served'];

/** Fetches and always consumes the body, so no socket is left half-read. */
async function fetchText(
  ctx: CaseContext,
  url: string,
  init?: RequestInit,
): Promise<{ res: Response; text: string }> {
  const res = await ctx.fetch(url, { ...init, redirect: 'manual' });
  const text = await res.text();
  return { res, text };
}

/** The URL with one character of its longest query value changed: a signature, or a signed parameter. */
function tamperQuery(url: string): string {
  const u = new URL(url);
  const entries = [...u.searchParams.entries()];
  if (entries.length === 0) return expect.fail(`presigned URL has no query to tamper with: ${url}`);
  let [name, value] = entries[0]!;
  for (const [n, v] of entries) if (v.length > value.length) [name, value] = [n, v];
  const i = Math.floor(value.length / 2);
  const changed = value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1);
  u.searchParams.set(name, changed);
  return u.toString();
}

/** Skips where the test server cannot tell a tampered URL from a good one. */
function requireVerifyingServer(ctx: CaseContext): void {
  const why = ctx.options.serverLimitations?.presignSignaturesUnverified;
  if (why !== undefined)
    ctx.skip(`runs against a test server that does not verify presign signatures: ${why}`);
}

/** Skips where the test server serves presigned requests after they expire. */
function requireExpiryVerifyingServer(ctx: CaseContext): void {
  const why = ctx.options.serverLimitations?.presignExpiryUnverified;
  if (why !== undefined) ctx.skip(`runs against a test server that does not enforce presign expiry: ${why}`);
}

/**
 * Produces a presigned request that has expired by now and one that is still valid, by
 * whatever means the clock allows: signing then advancing a clock the verifier shares, or
 * signing in the past when only the signer reads it (a real server keeps its own time).
 * `whileValid` runs on the soon-expired request before it expires, where that is possible.
 */
async function expiredAndValid<T>(
  ctx: CaseContext,
  expiresIn: number,
  sign: () => Promise<T>,
  whileValid?: (request: T) => Promise<void>,
): Promise<{ expired: T; valid: T }> {
  const clock = ctx.options.clock;
  if (clock === undefined) {
    return ctx.skip(
      'has no manual clock in this suite: expiry can only be tested by moving the signing time (pass options.clock)',
    );
  }
  if (clock.readBy === 'signer') {
    if (clock.set === undefined)
      return ctx.skip('has a signer-only clock without set(): cannot sign in the past');
    const now = Date.now();
    clock.set(new Date(now - 2 * 3600_000));
    const expired = await sign();
    clock.set(new Date(now));
    return { expired, valid: await sign() };
  }
  const expired = await sign();
  await whileValid?.(expired);
  clock.advance((expiresIn + 1) * 1000);
  return { expired, valid: await sign() };
}

export function registerPresignCases(h: Harness): void {
  h.case(
    'presigned GET returns the bytes and content type over HTTP',
    { requires: [PRESIGN_GET] },
    async (ctx) => {
      const { store, key } = ctx;
      const k = key('get me.txt');
      await store.put(k, 'presigned body', { contentType: 'text/plain; charset=utf-8' });
      const url = await store.presignGet(k, { expiresIn: 300 });
      expect(typeof url).toBe('string');
      const { res, text } = await fetchText(ctx, url);
      expect(res.status).toBe(200);
      expect(text).toBe('presigned body');
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('content-length')).toBe('14');
    },
  );

  h.case('presigned GET of binary bytes and weird keys', { requires: [PRESIGN_GET] }, async (ctx) => {
    const { store, key } = ctx;
    const body = Buffer.from([0, 255, 1, 254, 10, 13]);
    for (const name of ['plus+and space', 'ümlaut/😀', 'q?x=1&y#z', '%41%2F']) {
      const k = key(name);
      await store.put(k, body);
      const res = await ctx.fetch(await store.presignGet(k, { expiresIn: 60 }));
      expect(res.status, k).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(body), k).toBe(true);
    }
  });

  h.case('presigned GET honours a Range header with 206', { requires: [PRESIGN_GET, RANGE] }, async (ctx) => {
    const { store, key } = ctx;
    const k = key('ranged');
    await store.put(k, '0123456789');
    const url = await store.presignGet(k, { expiresIn: 300 });
    const { res, text } = await fetchText(ctx, url, { headers: { range: 'bytes=2-5' } });
    expect(res.status).toBe(206);
    expect(text).toBe('2345');
    expect(res.headers.get('content-range')).toBe('bytes 2-5/10');
  });

  h.case('presigned GET honours responseContentDisposition', { requires: [PRESIGN_GET] }, async (ctx) => {
    const { store, key } = ctx;
    const k = key('download.bin');
    await store.put(k, 'attachment body');
    const disposition = 'attachment; filename="report.csv"';
    const url = await store.presignGet(k, { expiresIn: 300, responseContentDisposition: disposition });
    const { res, text } = await fetchText(ctx, url);
    expect(res.status).toBe(200);
    expect(text).toBe('attachment body');
    expect(res.headers.get('content-disposition')).toBe(disposition);
  });

  h.case(
    'presigned GET serves the stored content-disposition',
    { requires: [PRESIGN_GET, CONTENT_HEADERS] },
    async (ctx) => {
      const { store, key } = ctx;
      const k = key('stored-disposition');
      await store.put(k, 'x', { contentDisposition: 'inline; filename="x.txt"' });
      const { res } = await fetchText(ctx, await store.presignGet(k, { expiresIn: 60 }));
      expect(res.headers.get('content-disposition')).toBe('inline; filename="x.txt"');
    },
  );

  h.case('presigned GET of a missing key answers 404', { requires: [PRESIGN_GET] }, async (ctx) => {
    const url = await ctx.store.presignGet(ctx.key('missing'), { expiresIn: 60 });
    const { res } = await fetchText(ctx, url);
    expect(res.status).toBe(404);
  });

  h.case('a tampered query parameter is rejected', { requires: [PRESIGN_GET] }, async (ctx) => {
    requireVerifyingServer(ctx);
    const { store, key } = ctx;
    const k = key('signed');
    await store.put(k, 'secret');
    const url = await store.presignGet(k, { expiresIn: 300 });
    const { res: ok } = await fetchText(ctx, url);
    expect(ok.status, 'the untampered URL works').toBe(200);
    const { res, text } = await fetchText(ctx, tamperQuery(url));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(text).not.toBe('secret');
  });

  h.case('a URL signed for one key does not open another', { requires: [PRESIGN_GET] }, async (ctx) => {
    requireVerifyingServer(ctx);
    const { store, key } = ctx;
    await store.put(key('public-ish'), 'allowed');
    await store.put(key('private-xx'), 'forbidden');
    const url = await store.presignGet(key('public-ish'), { expiresIn: 300 });
    const tampered = url.replace('public-ish', 'private-xx');
    expect(tampered, 'the key appears in the URL path').not.toBe(url);
    const { res, text } = await fetchText(ctx, tampered);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(text).not.toBe('forbidden');
  });

  h.case('an expired presigned GET is rejected', { requires: [PRESIGN_GET] }, async (ctx) => {
    requireExpiryVerifyingServer(ctx);
    const { store, key } = ctx;
    const k = key('expiring');
    await store.put(k, 'soon gone');
    const { expired, valid } = await expiredAndValid(
      ctx,
      60,
      () => store.presignGet(k, { expiresIn: 60 }),
      async (url) => {
        const { res } = await fetchText(ctx, url);
        expect(res.status, 'valid before expiry').toBe(200);
      },
    );
    const { res, text } = await fetchText(ctx, expired);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(text).not.toBe('soon gone');
    const { res: fresh, text: body } = await fetchText(ctx, valid);
    expect(fresh.status, 'a URL signed now still works').toBe(200);
    expect(body).toBe('soon gone');
  });

  h.case(
    'presignGet with expiresIn 0, negative, fractional or over 7 days is InvalidInput',
    { requires: [PRESIGN_GET] },
    async ({ store, key }) => {
      const k = key('x');
      for (const expiresIn of [0, -1, 1.5, 8 * 24 * 3600, 7 * 24 * 3600 + 1]) {
        await expectStorageError(() => store.presignGet(k, { expiresIn }), 'InvalidInput');
      }
      await expect(store.presignGet(k, { expiresIn: 7 * 24 * 3600 })).resolves.toBeTypeOf('string');
    },
  );

  h.case(
    'presigned PUT with its headers stores the object head then sees',
    { requires: [PRESIGN_PUT] },
    async (ctx) => {
      const { store, key } = ctx;
      const k = key('uploaded via url.json');
      const req = await store.presignPut(k, { expiresIn: 300, contentType: 'application/json' });
      expect(req.method).toBe('PUT');
      expect(req.headers).toBeTypeOf('object');
      const { res } = await fetchText(ctx, req.url, {
        method: 'PUT',
        headers: req.headers,
        body: '{"uploaded":true}',
      });
      expect(res.status, 'upload accepted').toBeLessThan(300);
      const head = await store.head(k);
      expect(head.size).toBe(17);
      expect(head.contentType).toBe('application/json');
      expect(await getText(store, k)).toBe('{"uploaded":true}');
    },
  );

  h.case('presigned PUT replaces an existing object', { requires: [PRESIGN_PUT] }, async (ctx) => {
    const { store, key } = ctx;
    const k = key('replace');
    await store.put(k, 'before');
    const req = await store.presignPut(k, { expiresIn: 300 });
    const { res } = await fetchText(ctx, req.url, { method: 'PUT', headers: req.headers, body: 'after' });
    expect(res.status).toBeLessThan(300);
    expect(await getText(store, k)).toBe('after');
  });

  h.case(
    'a tampered presigned PUT is rejected and stores nothing',
    { requires: [PRESIGN_PUT] },
    async (ctx) => {
      requireVerifyingServer(ctx);
      const { store, key } = ctx;
      const k = key('tamper-put');
      await store.put(k, 'original');
      const req = await store.presignPut(k, { expiresIn: 300 });
      const { res } = await fetchText(ctx, tamperQuery(req.url), {
        method: 'PUT',
        headers: req.headers,
        body: 'evil',
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(await getText(store, k)).toBe('original');
    },
  );

  h.case(
    'an expired presigned PUT is rejected and stores nothing',
    { requires: [PRESIGN_PUT] },
    async (ctx) => {
      requireExpiryVerifyingServer(ctx);
      const { store, key } = ctx;
      const k = key('late-put');
      const { expired, valid } = await expiredAndValid(ctx, 30, () => store.presignPut(k, { expiresIn: 30 }));
      const { res } = await fetchText(ctx, expired.url, {
        method: 'PUT',
        headers: expired.headers,
        body: 'too late',
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(await store.exists(k)).toBe(false);
      const { res: fresh } = await fetchText(ctx, valid.url, {
        method: 'PUT',
        headers: valid.headers,
        body: 'in time',
      });
      expect(fresh.status, 'a request signed now still works').toBeLessThan(300);
      expect(await getText(store, k)).toBe('in time');
    },
  );

  h.case(
    'presignPut with expiresIn 0 or over 7 days is InvalidInput',
    { requires: [PRESIGN_PUT] },
    async ({ store, key }) => {
      for (const expiresIn of [0, 8 * 24 * 3600]) {
        await expectStorageError(() => store.presignPut(key('x'), { expiresIn }), 'InvalidInput');
      }
    },
  );

  h.case('presign without the capability is Unsupported', async (ctx) => {
    const { store, caps, key } = ctx;
    if (caps.presignGet && caps.presignPut) ctx.skip('has presignGet and presignPut: nothing to refuse');
    if (!caps.presignGet)
      await expectStorageError(() => store.presignGet(key('x'), { expiresIn: 60 }), 'Unsupported');
    if (!caps.presignPut)
      await expectStorageError(() => store.presignPut(key('x'), { expiresIn: 60 }), 'Unsupported');
  });
}
