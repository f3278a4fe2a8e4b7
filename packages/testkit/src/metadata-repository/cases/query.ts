import { compareKeys, isStorageError, type MetadataRepository, type ObjectRecordQuery } from '@stowage/core';
import { expect } from 'vitest';
import { type MetadataCases, queryAll, queryKeys, record } from '../support.js';

/**
 * Names a SQL implementation can mistake for patterns or quoting: LIKE wildcards (`%`, `_`),
 * quotes, a comment, and Unicode in both normal forms.
 */
const HOSTILE_NAMES = [
  'a',
  'a%',
  'a%b',
  'a_b',
  'axb',
  'aXb',
  "a'",
  "a'b",
  'a"b',
  "a'; DROP TABLE objects; --",
  'a[b]',
  'a*b',
  'a b',
  '\u00fc',
  'u\u0308',
  '\u65e5\u672c',
  '\u{1F600}',
];

/** A prefix no key can start with must match nothing; refusing it as invalid is fine too. */
async function expectNoMatch(repo: MetadataRepository, query: ObjectRecordQuery): Promise<void> {
  try {
    expect(await queryKeys(repo, query), `query ${JSON.stringify(query)}`).toEqual([]);
  } catch (error) {
    if (!isStorageError(error, 'InvalidKey') && !isStorageError(error, 'InvalidInput')) throw error;
  }
}

export function registerQueryCases(cases: MetadataCases): void {
  cases.case('query by prefix returns matching keys in UTF-8 byte order', async ({ port, ns }) => {
    const names = ['b', 'a', 'B', 'A', 'a/b', 'a-b', '10', '9', 'é', 'z\uFFFD', 'z\u{1F600}', 'z\uE000'];
    for (const n of names) await port.upsert(record(`${ns}/p/${n}`));
    await port.upsert(record(`${ns}/q/outside`));
    await port.upsert(record(`${ns}/p`));
    const keys = await queryKeys(port, { prefix: `${ns}/p/` });
    expect(keys).toEqual(names.map((n) => `${ns}/p/${n}`).sort(compareKeys));
  });

  cases.case('query filters by owner, category and backend', async ({ port, ns }) => {
    await port.upsert(record(`${ns}/1`, { owner: 'ann', category: 'img', backend: 's3' }));
    await port.upsert(record(`${ns}/2`, { owner: 'bob', category: 'img', backend: 'local' }));
    await port.upsert(record(`${ns}/3`, { owner: 'ann', category: 'doc', backend: 'local' }));
    await port.upsert(record(`${ns}/4`));
    const keys = async (q: ObjectRecordQuery) =>
      (await queryKeys(port, { prefix: `${ns}/`, ...q })).map((k) => k.slice(ns.length + 1));
    expect(await keys({ owner: 'ann' })).toEqual(['1', '3']);
    expect(await keys({ category: 'img' })).toEqual(['1', '2']);
    expect(await keys({ backend: 'local' })).toEqual(['2', '3']);
    expect(await keys({ owner: 'ann', category: 'img' })).toEqual(['1']);
    expect(await keys({ owner: 'nobody' })).toEqual([]);
  });

  cases.case('query without a prefix filters across every key', async ({ port, ns }) => {
    const owner = `owner-${ns}`;
    await port.upsert(record(`${ns}/x/1`, { owner }));
    await port.upsert(record(`${ns}/y/2`, { owner }));
    await port.upsert(record(`${ns}/z/3`, { owner: `${owner}-other` }));
    expect(await queryKeys(port, { owner })).toEqual([`${ns}/x/1`, `${ns}/y/2`]);
  });

  cases.case('query leaves out soft-deleted records unless includeDeleted', async ({ port, ns }) => {
    await port.upsert(record(`${ns}/live`));
    await port.upsert(record(`${ns}/dead`));
    await port.softDelete(`${ns}/dead`);
    expect(await queryKeys(port, { prefix: `${ns}/` })).toEqual([`${ns}/live`]);
    const all = await queryAll(port, { prefix: `${ns}/`, includeDeleted: true });
    expect(all.map((r) => r.key)).toEqual([`${ns}/dead`, `${ns}/live`]);
    expect(all[0]!.deletedAt).toBeInstanceOf(Date);
  });

  cases.case(
    'prefixes with %, _, quotes and Unicode match literally, never as patterns',
    async ({ port, ns }) => {
      const base = `${ns}/h/`;
      for (const n of HOSTILE_NAMES) await port.upsert(record(base + n));
      const under = async (p: string) =>
        (await queryKeys(port, { prefix: base + p })).map((k) => k.slice(base.length));
      expect(await under('')).toEqual([...HOSTILE_NAMES].sort(compareKeys));
      expect(await under('a%')).toEqual(['a%', 'a%b']);
      expect(await under('a_')).toEqual(['a_b']);
      expect(await under("a'")).toEqual(["a'", "a'; DROP TABLE objects; --", "a'b"]);
      expect(await under('a"')).toEqual(['a"b']);
      expect(await under('a[')).toEqual(['a[b]']);
      expect(await under('a*')).toEqual(['a*b']);
      expect(await under('\u00fc')).toEqual(['\u00fc']);
      expect(await under('u')).toEqual(['u\u0308']);
      expect(await under('\u65e5')).toEqual(['\u65e5\u672c']);
      expect(await under('\u{1F600}')).toEqual(['\u{1F600}']);
      expect(await under('%')).toEqual([]);
      expect(await under('_')).toEqual([]);
      // No key holds a backslash: a prefix ending in one must not act as an escape (`a\` + `%`).
      await expectNoMatch(port, { prefix: `${base}a\\` });
      await expectNoMatch(port, { prefix: `${base}\\` });
      for (const n of HOSTILE_NAMES) expect((await port.get(base + n))?.key, n).toBe(base + n);
    },
  );

  cases.case('owner, category and backend filters are exact, never patterns', async ({ port, ns }) => {
    await port.upsert(record(`${ns}/1`, { owner: '%', category: 'a_c', backend: "b'e" }));
    await port.upsert(record(`${ns}/2`, { owner: 'x', category: 'abc', backend: 'be' }));
    await port.upsert(record(`${ns}/3`, { owner: '%x', category: 'A_C', backend: 'b%' }));
    const keys = async (q: ObjectRecordQuery) =>
      (await queryKeys(port, { prefix: `${ns}/`, ...q })).map((k) => k.slice(ns.length + 1));
    expect(await keys({ owner: '%' })).toEqual(['1']);
    expect(await keys({ owner: '_' })).toEqual([]);
    expect(await keys({ category: 'a_c' })).toEqual(['1']);
    expect(await keys({ category: '%' })).toEqual([]);
    expect(await keys({ backend: "b'e" })).toEqual(['1']);
    expect(await keys({ backend: 'b%' })).toEqual(['3']);
  });

  cases.case('hardDelete and softDelete of a key with % or _ touch that key only', async ({ port, ns }) => {
    const names = ['a%', 'a%b', 'a_', 'aXb', 'a_b'];
    for (const n of names) await port.upsert(record(`${ns}/${n}`));
    await port.hardDelete(`${ns}/a%`);
    await port.softDelete(`${ns}/a_`);
    expect(await queryKeys(port, { prefix: `${ns}/` })).toEqual(
      ['a%b', 'aXb', 'a_b'].map((n) => `${ns}/${n}`).sort(compareKeys),
    );
    expect(await queryKeys(port, { prefix: `${ns}/`, includeDeleted: true })).toContain(`${ns}/a_`);
  });
}
