import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCommonPrefix, readBytes } from '@stowage/core';
import { contentTypeFromKey, DEFAULT_CONTENT_TYPE, sha256Hex } from '@stowage/kit';
import { collect, createPrng } from '@stowage/testkit';
import { afterAll, expect, it } from 'vitest';
// @ts-expect-error: plain .mjs helper shared with the child process, no type declarations
import { contentOf, headerOf } from '../test/crash-content.mjs';
import { LocalObjectStore } from './local-object-store.js';

const testDir = join(import.meta.dirname, '../test');
const KEYS = ['obj/a.bin', 'obj/b.bin', 'obj/deep/c.bin', 'd.bin', 'obj/e.small'];
const KILLS = 30;
let root: string | undefined;

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

function startChild(dir: string, firstVersion: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--experimental-transform-types',
      '--no-warnings',
      '--import',
      join(testDir, 'register-ts-hooks.mjs'),
      join(testDir, 'crash-child.mjs'),
      dir,
      String(firstVersion),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
}

/** Resolves once the child has printed `count` "start" lines. */
function startedOps(child: ChildProcess, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      seen += text.split('\n').filter((l) => l.startsWith('start')).length;
      if (seen >= count) resolve();
    });
    child.once('exit', (code, signal) => {
      if (seen < count) reject(new Error(`crash child exited early (code ${code}, signal ${signal})`));
    });
  });
}

async function tempFilesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.name.startsWith('.stowage-tmp-')).length;
}

/** Every object present is complete, and consistent with the metadata reported for it. */
async function expectConsistent(
  store: LocalObjectStore,
): Promise<{ honoured: number; plain: number; objects: number }> {
  let honoured = 0;
  let plain = 0;
  const listed = await collect(store.list());
  const keys = listed.map((e) => (isCommonPrefix(e) ? e.prefix : e.key));
  for (const key of keys) expect(KEYS, 'only keys the child wrote are listed (no temp files)').toContain(key);
  for (const key of keys) {
    const got = await store.get(key);
    const bytes = await readBytes(got);
    const claimed = headerOf(bytes) as { key: string; version: number } | undefined;
    expect(claimed, `${key} starts with its version header`).toBeDefined();
    // A complete copy of one written version: never torn, never mixed.
    expect(bytes.equals(contentOf(claimed!.key, claimed!.version)), `${key} holds a whole version`).toBe(
      true,
    );
    expect(got.info.size).toBe(bytes.length);
    expect(got.info.sha256).toBe(sha256Hex(bytes));
    expect(got.info.etag).toBe(`"${sha256Hex(bytes).slice(0, 32)}"`);
    // A killed process loses nothing the page cache holds, so every version comes back with
    // exactly the metadata it was written with: the child writes every third one without.
    if (claimed!.version % 3 !== 0) {
      honoured++;
      expect(got.info.metadata, `${key} keeps its metadata`).toEqual({ version: String(claimed!.version) });
      expect(got.info.contentType).toBe('application/x-crash-test');
    } else {
      plain++;
      expect(got.info.metadata, `${key} was written without metadata`).toEqual({});
      expect(got.info.contentType).toBe(contentTypeFromKey(key) ?? DEFAULT_CONTENT_TYPE);
      expect(got.info.visibility).toBe('private');
    }
  }
  return { honoured, plain, objects: keys.length };
}

it(`objects stay whole and self-consistent across ${KILLS} SIGKILLs of a writing process`, {
  timeout: 300_000,
}, async () => {
  root = await mkdtemp(join(tmpdir(), 'stowage-local-crash-'));
  const random = createPrng(0x5eed);
  let killsLeavingTemp = 0;
  let honoured = 0;
  let plain = 0;
  for (let k = 0; k < KILLS; k++) {
    const child = startChild(root, k * 1_000_000);
    const exited = once(child, 'exit');
    // Half the kills aim just after an operation starts (mid-body or mid-fsync), the rest
    // land a random number of operations and milliseconds in.
    await startedOps(child, 1 + Math.floor(random() * 6));
    const delay = k % 2 === 0 ? Math.floor(random() * 8) : Math.floor(random() * 120);
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await exited;
    if ((await tempFilesUnder(root)) > 0) killsLeavingTemp++;
    // A fresh store each round: nothing survives from the dead process but the files.
    const result = await expectConsistent(new LocalObjectStore({ root }));
    honoured += result.honoured;
    plain += result.plain;
  }
  console.info(
    `crash test: ${killsLeavingTemp}/${KILLS} kills left a temp file; checked ${honoured} objects with metadata, ${plain} without`,
  );
  // Evidence the kills hit writes in flight (temp files left behind), and that both kinds
  // of objects (durable sidecar, or none needed) were checked.
  expect(killsLeavingTemp).toBeGreaterThan(0);
  expect(honoured).toBeGreaterThan(0);
  expect(plain).toBeGreaterThan(0);

  // The store still works on top of the debris, and the debris stays invisible.
  const store = new LocalObjectStore({ root });
  const before = await expectConsistent(store);
  // Debris can be swept (temp files by age: file mtimes are wall-clock, so 0 takes them all).
  const swept = await store.sweep({ olderThanMs: 0 });
  expect(swept.tempFiles).toBeGreaterThan(0);
  expect(await tempFilesUnder(root)).toBe(0);
  expect(await expectConsistent(store)).toEqual(before);
  for (const key of KEYS) {
    await store.put(key, `after ${key}`, { metadata: { version: 'final' } });
    expect((await readBytes(await store.get(key))).toString()).toBe(`after ${key}`);
    expect((await store.head(key)).metadata).toEqual({ version: 'final' });
  }
  const listed = (await collect(store.list())).map((e) => (isCommonPrefix(e) ? e.prefix : e.key));
  expect(listed.sort()).toEqual([...KEYS].sort());
  await store.deleteMany(KEYS);
  expect(await collect(store.list())).toEqual([]);
});
