import { inspect } from 'node:util';
import { isStorageError, type StorageError, toReadable } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import type { CheckedPutOptions, ListQuery } from './checked-object-store.js';
import { RecordingStore } from './recording-store.test-support.js';

async function kindOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return isStorageError(error) ? error.kind : `foreign ${String(error)}`;
  }
}

describe('CheckedObjectStore: what never reaches an adapter', () => {
  it('invalid keys, prefixes, start positions and cursors', async () => {
    const store = new RecordingStore({ listDelimiter: true });
    expect(await kindOf(() => store.put('/abs', 'x'))).toBe('InvalidKey');
    expect(await kindOf(() => store.get('a//b'))).toBe('InvalidKey');
    expect(await kindOf(() => store.copy('ok', '../up'))).toBe('InvalidKey');
    expect(await kindOf(() => store.listPage({ prefix: '/x' }))).toBe('InvalidKey');
    expect(await kindOf(() => store.listPage({ startAfter: 'a//b' }))).toBe('InvalidKey');
    expect(await kindOf(() => store.listPage({ cursor: 'garbage' }))).toBe('InvalidInput');
    expect(
      await kindOf(async () => {
        for await (const _ of store.list({ prefix: '../x' }));
      }),
    ).toBe('InvalidKey');
    expect(store.calls).toEqual([]);
  });

  it('options the capabilities do not declare are Unsupported, before any I/O', async () => {
    const store = new RecordingStore();
    for (const run of [
      () => store.put('k', 'x', { ifNoneMatch: '*' }),
      () => store.put('k', 'x', { ifMatch: '"e"' }),
      () => store.put('k', 'x', { metadata: { a: 'b' } }),
      () => store.put('k', 'x', { cacheControl: 'no-store' }),
      () => store.put('k', 'x', { visibility: 'public' }),
      () => store.get('k', { range: { start: 0 } }),
      () => store.get('k', { ifMatch: '"e"' }),
      () => store.copy('a', 'b', { ifNoneMatch: '*' }),
      () => store.listPage({ delimiter: '/' }),
      () => store.presignGet('k', { expiresIn: 60 }),
      () => store.presignPut('k', { expiresIn: 60 }),
    ]) {
      expect(await kindOf(run)).toBe('Unsupported');
    }
    expect(store.calls).toEqual([]);
  });

  it('malformed options are InvalidInput; a known length is checked against contentLength and maxObjectSize', async () => {
    const store = new RecordingStore({ userMetadata: true, maxObjectSize: 4 });
    expect(await kindOf(() => store.put('k', 'x', { metadata: { 'bad name': 'v' } }))).toBe('InvalidInput');
    expect(await kindOf(() => store.put('k', 'x', { contentType: 'é' }))).toBe('InvalidInput');
    expect(await kindOf(() => store.put('k', 'abc', { contentLength: 2 }))).toBe('Integrity');
    expect(await kindOf(() => store.put('k', 'abcde'))).toBe('PayloadTooLarge');
    expect(await kindOf(() => store.put('k', toReadable('x'), { contentLength: 9 }))).toBe('PayloadTooLarge');
    expect(await kindOf(() => store.put('k', 42 as unknown as string))).toBe('InvalidInput');
    expect(await kindOf(() => store.deleteMany(42 as unknown as string[]))).toBe('InvalidInput');
    expect(store.calls).toEqual([]);
  });

  it('an aborted signal fails before I/O; a timed-out one is Timeout', async () => {
    const store = new RecordingStore();
    expect(await kindOf(() => store.get('k', { signal: AbortSignal.abort() }))).toBe('Aborted');
    const timedOut = AbortSignal.timeout(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await kindOf(() => store.head('k', { signal: timedOut }))).toBe('Timeout');
    expect(store.calls).toEqual([]);
  });
});

describe('CheckedObjectStore: what an adapter receives', () => {
  it('a resolved content type, normalised metadata and the default visibility', async () => {
    const store = new RecordingStore({ userMetadata: true });
    await store.put('doc.json', '{}', { metadata: { Team: 'a' } });
    await store.put('no-extension', Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex'));
    await store.put('stream.css', toReadable('a{}'));
    const seen = store.calls.map((c) => c.args[1] as CheckedPutOptions);
    expect(seen.map((o) => o.contentType)).toEqual([
      'application/json; charset=utf-8',
      'image/png',
      'text/css; charset=utf-8',
    ]);
    expect(seen[0]!.metadata).toEqual({ team: 'a' });
    expect(seen[0]!.visibility).toBe('private');
    expect(seen[0]!.contentLength).toBe(2);
  });

  it('deleteMany validates each key, reports bad ones and batches the rest', async () => {
    const store = new RecordingStore();
    await store.put('a', 'x');
    async function* keys() {
      yield 'a';
      yield '/bad';
      yield 'missing';
    }
    const result = await store.deleteMany(keys());
    expect(result.deleted).toBe(2);
    expect(result.errors.map((e) => [e.key, (e.error as StorageError).kind])).toEqual([
      ['/bad', 'InvalidKey'],
    ]);
  });

  it('move is copy then delete of the source', async () => {
    const store = new RecordingStore();
    await store.put('a', 'x');
    await store.move('a', 'b');
    expect(store.objects.has('a')).toBe(false);
    expect(store.objects.has('b')).toBe(true);
  });
});

describe('CheckedObjectStore: errors and listings', () => {
  it('every error carries operation, key and backend; a foreign error becomes Unexpected with its cause', async () => {
    const store = new RecordingStore();
    const error = (await store.head('plain-failure').catch((e: unknown) => e)) as StorageError;
    expect(error.kind).toBe('Unexpected');
    expect([error.operation, error.key, error.backend]).toEqual(['head', 'plain-failure', 'recording']);
    expect((error.cause as Error).message).toBe('a plain Error from the backend');
    const notFound = (await store.get('missing').catch((e: unknown) => e)) as StorageError;
    expect([notFound.kind, notFound.operation, notFound.key]).toEqual(['NotFound', 'get', 'missing']);
    expect(inspect(notFound)).toContain('NotFound');
  });

  it('listPage pages with cursors from the listEntries hook', async () => {
    const store = new RecordingStore();
    for (const k of ['a', 'b', 'c']) await store.put(k, k);
    const first = await store.listPage({ limit: 2 });
    expect(first.items.map((i) => i.key)).toEqual(['a', 'b']);
    const rest = await store.listPage({ limit: 2, cursor: first.cursor! });
    expect(rest.items.map((i) => i.key)).toEqual(['c']);
    expect(rest.cursor).toBeUndefined();
  });

  it('a listing that goes backwards fails with Unexpected instead of looping', async () => {
    const store = new RecordingStore();
    const summary = (key: string) => ({ key, size: 1, etag: '"e"', lastModified: new Date(0) });
    store.listing = [summary('b'), summary('a')];
    expect(await kindOf(() => store.listPage())).toBe('Unexpected');
    const seen: string[] = [];
    const error = await (async () => {
      for await (const e of store.list()) seen.push('key' in e ? e.key : e.prefix);
    })().catch((e: unknown) => e);
    expect(isStorageError(error, 'Unexpected')).toBe(true);
    expect(seen).toEqual(['b']);
  });

  it("a store's listing hint is appended to the out-of-order message", async () => {
    const store = new RecordingStore();
    const summary = (key: string) => ({ key, size: 1, etag: '"e"', lastModified: new Date(0) });
    store.listing = [summary('b'), summary('a')];
    store.hint = 'try listOrder: tree';
    const error = (await store.listPage().catch((e: unknown) => e)) as StorageError;
    expect(error.message).toMatch(/must move forward in byte order; try listOrder: tree$/);
    expect([error.kind, error.operation]).toEqual(['Unexpected', 'listPage']);
  });

  it('the adapter is told whether list or listPage asked, and a limit only for a page', async () => {
    const store = new RecordingStore();
    await store.put('a', 'x');
    await store.listPage({ limit: 5 });
    for await (const _ of store.list({ pageSize: 7 }));
    const queries = store.calls.filter((c) => c.hook === 'list').map((c) => c.args[0] as ListQuery);
    expect(queries.map((q) => [q.operation, q.limit, q.pageSize])).toEqual([
      ['listPage', 5, undefined],
      ['list', undefined, 7],
    ]);
  });
});

describe('CheckedObjectStore: empty etags', () => {
  it('a blank ifMatch is InvalidInput on put, get and copy, whatever the capabilities', async () => {
    for (const store of [
      new RecordingStore(),
      new RecordingStore({ writeIfMatch: true, readIfMatch: true }),
    ]) {
      for (const etag of ['', '  ', 42 as unknown as string]) {
        expect(await kindOf(() => store.put('k', 'x', { ifMatch: etag }))).toBe('InvalidInput');
        expect(await kindOf(() => store.get('k', { ifMatch: etag }))).toBe('InvalidInput');
        expect(await kindOf(() => store.copy('k', 'l', { ifMatch: etag }))).toBe('InvalidInput');
      }
      expect(store.calls).toEqual([]);
    }
  });
});

describe('CheckedObjectStore: methods beyond the port (runChecked, checkPut)', () => {
  it('validate the key, pre-check the signal and put the operation in every error', async () => {
    const store = new RecordingStore();
    const invalid = (await store.stamp('/abs', 'x').catch((e: unknown) => e)) as StorageError;
    expect([invalid.kind, invalid.operation, invalid.backend]).toEqual(['InvalidKey', 'stamp', 'recording']);
    expect(await kindOf(() => store.stamp('k', 'x', { signal: AbortSignal.abort() }))).toBe('Aborted');
    expect(await kindOf(() => store.stamp('k', 'x', { metadata: { a: 'b' } }))).toBe('Unsupported');
    const foreign = (await store.stamp('plain-failure', 'x').catch((e: unknown) => e)) as StorageError;
    expect([foreign.kind, foreign.operation, foreign.key]).toEqual(['Unexpected', 'stamp', 'plain-failure']);
    expect(await kindOf(() => store.stamp(undefined as unknown as string, 'x'))).toBe('InvalidKey');
    expect(await kindOf(() => store.head(undefined as unknown as string))).toBe('InvalidKey');
    expect(() => store.where('a//b')).toThrow(
      expect.objectContaining({ kind: 'InvalidKey', operation: 'where' }),
    );
    expect(store.where('a/b')).toBe('recording:a/b');
  });

  it('checkPut resolves what put would hand its adapter', async () => {
    const store = new RecordingStore();
    const checked = await store.stamp('doc.json', '{}');
    expect([checked.contentType, checked.visibility, checked.contentLength]).toEqual([
      'application/json; charset=utf-8',
      'private',
      2,
    ]);
  });
});

describe('CheckedObjectStore: inspect and JSON', () => {
  it('show the name and capabilities only, by default', () => {
    const store = new RecordingStore({ rangeRead: true });
    (store as unknown as { secretish: string }).secretish = 'hunter2-hunter2';
    expect(JSON.parse(JSON.stringify(store))).toEqual({
      name: 'recording',
      capabilities: JSON.parse(JSON.stringify(store.capabilities)),
    });
    const shown = inspect(store, { depth: 5, showHidden: true });
    expect(shown).toMatch(/^RecordingStore \{\s+name: 'recording',\s+capabilities: \{/);
    expect(shown).not.toContain('hunter2');
    expect(inspect({ nested: store })).toMatch(/nested: RecordingStore \{\s+name: 'recording'/);
  });
});
