import { expect } from 'vitest';
import { type AuditCases, event, queryAll, timeline } from '../support.js';

export function registerQueryCases(cases: AuditCases): void {
  cases.case('query returns events oldest first', async ({ port, ns }) => {
    const at = timeline();
    const stored = [];
    for (let i = 0; i < 6; i++) stored.push(await port.append(event(ns, i, at)));
    expect(await queryAll(port, { actor: ns })).toEqual(stored);
  });

  cases.case('query by key is exact: %, _ and quotes are literal', async ({ port, ns }) => {
    const at = timeline();
    const keys = ['a_c', 'abc', 'a%', 'a%c', "it's", 'a"b', 'caf\u00e9', 'cafe\u0301'].map(
      (k) => `${ns}/${k}`,
    );
    for (const [i, key] of keys.entries()) await port.append(event(ns, i, at, { key }));
    for (const key of keys) {
      expect(
        (await queryAll(port, { key })).map((e) => e.key),
        key,
      ).toEqual([key]);
    }
    expect(await queryAll(port, { key: `${ns}/a_` })).toEqual([]);
    expect(await queryAll(port, { key: `${ns}/%` })).toEqual([]);
    expect(await queryAll(port, { key: `${ns}/a` })).toEqual([]);
  });

  cases.case('query filters by actor and action, alone and combined', async ({ port, ns }) => {
    const at = timeline();
    const other = `${ns}-other`;
    await port.append(event(ns, 0, at, { action: 'upload' }));
    await port.append(event(ns, 1, at, { action: 'delete' }));
    await port.append(event(ns, 2, at, { action: 'upload', actor: other }));
    await port.append(event(ns, 3, at, { action: 'delete', actor: other }));
    await port.append(event(ns, 4, at, { action: 'delete', actor: `${ns}%` }));
    const keys = async (q: Parameters<typeof port.query>[0]) =>
      (await queryAll(port, q)).map((e) => e.key.slice(ns.length + 1));
    expect(await keys({ actor: ns })).toEqual(['k0', 'k1']);
    expect(await keys({ actor: other })).toEqual(['k2', 'k3']);
    expect(await keys({ actor: ns, action: 'delete' })).toEqual(['k1']);
    expect(await keys({ actor: `${ns}%` })).toEqual(['k4']);
    expect(await keys({ actor: ns, action: 'move' })).toEqual([]);
    expect(await keys({ key: `${ns}/k3`, action: 'delete' })).toEqual(['k3']);
    expect(await keys({ key: `${ns}/k3`, action: 'upload' })).toEqual([]);
  });

  cases.case('since leaves out older events', async ({ port, ns }) => {
    const at = timeline();
    for (let i = 0; i < 5; i++) await port.append(event(ns, i, at));
    const since = new Date(at(2).getTime() + 500);
    expect((await queryAll(port, { actor: ns, since })).map((e) => e.key)).toEqual([`${ns}/k3`, `${ns}/k4`]);
    expect(await queryAll(port, { actor: ns, since: new Date(Date.now() + 3_600_000) })).toEqual([]);
    expect(await queryAll(port, { actor: ns, since: new Date(0) })).toHaveLength(5);
  });

  cases.case('a query with nothing to return is an empty last page', async ({ port, ns }) => {
    expect(await port.query({ actor: `${ns}-nobody` })).toEqual({ items: [] });
    expect(await port.query({ key: `${ns}/none` })).toEqual({ items: [] });
  });
}
