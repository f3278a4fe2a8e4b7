import { expect } from 'vitest';
import { expectMalformedCursorsRefused } from '../../helpers/pages.js';
import { type AuditCases, event, queryAll, timeline } from '../support.js';

export function registerPaginationCases(cases: AuditCases): void {
  cases.case('pages with limit 1 and 3 cover every event once, oldest first', async ({ port, ns }) => {
    const at = timeline();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await port.append(event(ns, i, at))).id);
    for (const limit of [1, 3]) {
      expect(
        (await queryAll(port, { actor: ns, limit })).map((e) => e.id),
        `limit ${limit}`,
      ).toEqual(ids);
    }
    const first = await port.query({ actor: ns, limit: 4 });
    expect(first.items).toHaveLength(4);
    expect(first.cursor).toBeTypeOf('string');
  });

  cases.case('pages of a filtered query cover every match once', async ({ port, ns }) => {
    const at = timeline();
    const matching: string[] = [];
    for (let i = 0; i < 30; i++) {
      const action = i % 4 === 0 ? 'delete' : 'download';
      const stored = await port.append(event(ns, i, at, { action }));
      if (action === 'delete') matching.push(stored.id);
    }
    for (const limit of [1, 2, 5]) {
      expect(
        (await queryAll(port, { actor: ns, action: 'delete', limit })).map((e) => e.id),
        `limit ${limit}`,
      ).toEqual(matching);
    }
  });

  cases.case(
    'paging while events are appended repeats none and misses none appended before',
    async ({ port, ns }) => {
      const at = timeline();
      const before: string[] = [];
      for (let i = 0; i < 10; i++) before.push((await port.append(event(ns, i, at))).id);
      const first = await port.query({ actor: ns, limit: 4 });
      const seen = first.items.map((e) => e.id);
      const during: string[] = [];
      for (let i = 10; i < 14; i++) during.push((await port.append(event(ns, i, at))).id);
      let cursor = first.cursor;
      let pages = 0;
      while (cursor !== undefined) {
        const page = await port.query({ actor: ns, limit: 4, cursor });
        seen.push(...page.items.map((e) => e.id));
        cursor = page.cursor;
        if (++pages > 100) expect.fail('paging did not terminate');
      }
      expect(
        seen.filter((id, i) => seen.indexOf(id) !== i),
        'repeated events',
      ).toEqual([]);
      expect(seen.slice(0, 10)).toEqual(before);
      // Events appended mid-way are newer than every page already read: they can only come last.
      expect(seen.slice(10)).toEqual(during.slice(0, seen.length - 10));
    },
  );

  cases.case('a malformed or tampered cursor is InvalidInput', async ({ port, ns }) => {
    const at = timeline();
    for (let i = 0; i < 3; i++) await port.append(event(ns, i, at));
    const { cursor } = await port.query({ actor: ns, limit: 1 });
    expect(cursor).toBeTypeOf('string');
    await expectMalformedCursorsRefused((c) => port.query({ actor: ns, limit: 1, cursor: c }), cursor);
  });
}
