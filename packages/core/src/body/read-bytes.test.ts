import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isStorageError } from '../errors/storage-error.js';
import { readBytes, readJson, readText } from './read-bytes.js';
import { knownLength, toReadable } from './to-readable.js';

describe('body helpers', () => {
  it('reads every body type', async () => {
    const web = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('we'));
        c.enqueue(new TextEncoder().encode('b'));
        c.close();
      },
    });
    expect(await readText('héllo')).toBe('héllo');
    expect(await readText(new Uint8Array([104, 105]))).toBe('hi');
    expect(await readText(Readable.from([Buffer.from('no'), Buffer.from('de')]))).toBe('node');
    expect(await readText(web)).toBe('web');
    expect(await readJson('{"a":1}')).toEqual({ a: 1 });
  });

  it('refuses bodies over maxBytes and stops reading', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 1024;
        this.push(Buffer.alloc(1024));
      },
    });
    await expect(readBytes(endless, { maxBytes: 10_000 })).rejects.toMatchObject({ kind: 'PayloadTooLarge' });
    expect(produced).toBeLessThan(100_000);
    expect(endless.destroyed).toBe(true);
  });

  it('maps invalid JSON to InvalidInput', async () => {
    const err = await readJson('{nope').catch((e: unknown) => e);
    expect(isStorageError(err, 'InvalidInput')).toBe(true);
  });

  it('aborts a read', async () => {
    const ac = new AbortController();
    const slow = new Readable({ read() {} });
    const pending = readBytes(slow, { signal: ac.signal });
    slow.push('x');
    ac.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'Aborted' });
  });

  it('knows in-memory lengths in bytes', () => {
    expect(knownLength('é')).toBe(2);
    expect(knownLength(new Uint8Array(3))).toBe(3);
    expect(knownLength(Readable.from([]))).toBeUndefined();
  });

  it('rejects non-bodies', () => {
    expect(() => toReadable(42 as unknown as string)).toThrow(/Unsupported body type/);
  });
});
