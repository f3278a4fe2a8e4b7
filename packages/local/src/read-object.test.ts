import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBytes, isStorageError, readBytes } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from './local-object-store.js';

// Defect 5 of the audit: a get body holds the object's file descriptor until it is read to
// the end, fails or is destroyed. These prove that a destroyed or aborted body lets go of it
// at once (not at garbage collection), and that getBytes never leaves one open.

const HAS_PROC_FD = existsSync('/proc/self/fd');
const SIZE = 2 * 1024 * 1024;

let root: string;
let store: LocalObjectStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stowage-local-fds-'));
  store = new LocalObjectStore({ root, fsync: false });
  await store.put('obj.bin', Buffer.alloc(SIZE, 5));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/**
 * Descriptors of this process that refer to object bodies under the root (not the store's
 * own `.stowage-` files: an etag journal append may still be landing after a put).
 */
function rootFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(root) && !target.includes('/.stowage-')) n++;
    } catch {
      // closed between readdir and readlink
    }
  }
  return n;
}

async function fdsDropTo(count: number): Promise<void> {
  for (let i = 0; i < 100 && rootFds() > count; i++) await new Promise((r) => setTimeout(r, 5));
  expect(rootFds()).toBe(count);
}

describe.skipIf(!HAS_PROC_FD)('get bodies and file descriptors', () => {
  it('an open body holds one descriptor; destroying it unread closes it at once', async () => {
    const before = rootFds();
    const bodies = await Promise.all(Array.from({ length: 8 }, () => store.get('obj.bin')));
    expect(rootFds()).toBe(before + 8);
    for (const { body } of bodies) body.destroy();
    await fdsDropTo(before);
  });

  it('a body destroyed half read, or a range body destroyed, closes its descriptor', async () => {
    const before = rootFds();
    const { body } = await store.get('obj.bin');
    await new Promise((resolve) => body.once('data', resolve));
    body.destroy();
    const ranged = await store.get('obj.bin', { range: { start: 10, end: SIZE - 10 } });
    ranged.body.destroy();
    await fdsDropTo(before);
  });

  it('aborting the signal of an unread body closes its descriptor, and the error reaches only its reader', async () => {
    const before = rootFds();
    const controller = new AbortController();
    const { body } = await store.get('obj.bin', { signal: controller.signal });
    expect(rootFds()).toBe(before + 1);
    controller.abort();
    await fdsDropTo(before);
    // Whoever reads it later sees the abort; nobody else did (no unhandled error).
    await expect(readBytes(body)).rejects.toSatisfy((error: unknown) => isStorageError(error, 'Aborted'));
  });

  it('a body read to its end closes its descriptor', async () => {
    const before = rootFds();
    const got = await store.get('obj.bin');
    expect((await readBytes(got)).length).toBe(SIZE);
    await fdsDropTo(before);
  });

  it('getBytes never leaves a descriptor open, also when it fails', async () => {
    const before = rootFds();
    expect((await getBytes(store, 'obj.bin')).length).toBe(SIZE);
    expect((await getBytes(store, 'obj.bin', { maxBytes: 10 }).catch((e: unknown) => e)) as Error).toSatisfy(
      (e: unknown) => isStorageError(e, 'PayloadTooLarge'),
    );
    await expect(getBytes(store, 'missing.bin')).rejects.toSatisfy((e: unknown) =>
      isStorageError(e, 'NotFound'),
    );
    await fdsDropTo(before);
  });
});
