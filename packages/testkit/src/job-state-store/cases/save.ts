import { expect } from 'vitest';
import { type JobCases, listAll } from '../support.js';

export function registerSaveCases(cases: JobCases): void {
  cases.case('get of a missing job is null', async ({ port, ns }) => {
    expect(await port.get(ns, 'nope')).toBeNull();
  });

  cases.case('save creates version 1 with kind, id, data and updatedAt', async ({ port, ns }) => {
    const saved = await port.save(ns, 'job-1', { step: 1 });
    expect(saved.kind).toBe(ns);
    expect(saved.id).toBe('job-1');
    expect(saved.data).toEqual({ step: 1 });
    expect(saved.version).toBe(1);
    expect(saved.updatedAt).toBeInstanceOf(Date);
    expect(Number.isNaN(saved.updatedAt.getTime())).toBe(false);
  });

  cases.case('get returns what was saved, deep JSON data intact', async ({ port, ns }) => {
    const data = {
      text: 'héllo 😀',
      n: 12.5,
      big: 2 ** 52,
      neg: -3,
      yes: true,
      none: null,
      list: [1, 'two', { three: [3] }],
      nested: { a: { b: { c: 'deep' } } },
      emptyObject: {},
      emptyList: [],
    };
    const saved = await port.save(ns, 'deep', data);
    const got = await port.get(ns, 'deep');
    expect(got).not.toBeNull();
    expect(got!.data).toEqual(data);
    expect(got!.version).toBe(saved.version);
    expect(got!.updatedAt.getTime()).toBe(saved.updatedAt.getTime());
  });

  cases.case('top-level JSON values other than objects round-trip', async ({ port, ns }) => {
    for (const [id, data] of [
      ['string', 'just text'],
      ['number', 42],
      ['zero', 0],
      ['false', false],
      ['null', null],
      ['list', [1, 2, 3]],
    ] as const) {
      await port.save(ns, id, data);
      expect((await port.get(ns, id))!.data, id).toEqual(data);
    }
  });

  cases.case('saving again replaces the data and increments the version', async ({ port, ns }) => {
    const first = await port.save(ns, 'job', { a: 1, b: 2 });
    const second = await port.save(ns, 'job', { c: 3 });
    expect(second.version).toBe(first.version + 1);
    expect((await port.get(ns, 'job'))!.data).toEqual({ c: 3 });
    expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    const third = await port.save(ns, 'job', { d: 4 });
    expect(third.version).toBe(first.version + 2);
  });

  cases.case('delete removes the job; deleting a missing job succeeds', async ({ port, ns }) => {
    await port.save(ns, 'gone', { x: 1 });
    await port.delete(ns, 'gone');
    expect(await port.get(ns, 'gone')).toBeNull();
    await expect(port.delete(ns, 'gone')).resolves.toBeUndefined();
    await expect(port.delete(ns, 'never')).resolves.toBeUndefined();
    const again = await port.save(ns, 'gone', { x: 2 }, { expectedVersion: 0 });
    expect(again.data).toEqual({ x: 2 });
  });

  cases.case('the same id under two kinds is two jobs', async ({ port, ns }) => {
    const other = `${ns}-other`;
    try {
      await port.save(ns, 'shared-id', { kind: 'a' });
      await port.save(other, 'shared-id', { kind: 'b' });
      expect((await port.get(ns, 'shared-id'))!.data).toEqual({ kind: 'a' });
      await port.delete(other, 'shared-id');
      expect((await port.get(ns, 'shared-id'))!.data).toEqual({ kind: 'a' });
      expect((await port.list(ns)).items.map((j) => j.id)).toEqual(['shared-id']);
    } finally {
      await port.delete(other, 'shared-id');
    }
  });

  cases.case(
    'kinds and ids with %, _, quotes and Unicode are exact, never patterns',
    async ({ port, ns }) => {
      const kinds = [`${ns}-a_c`, `${ns}-abc`, `${ns}-a%`, `${ns}-a%c`, `${ns}-'q"`];
      try {
        for (const kind of kinds) {
          for (const id of ['x_y', 'xzy', 'x%', "it's", 'caf\u00e9', 'cafe\u0301', '😀']) {
            await port.save(kind, id, { kind, id });
          }
        }
        for (const kind of kinds) {
          const jobs = await listAll(port, kind);
          expect(
            jobs.map((j) => j.kind),
            kind,
          ).toEqual(jobs.map(() => kind));
          expect(jobs).toHaveLength(7);
          for (const job of jobs) expect(job.data).toEqual({ kind, id: job.id });
        }
        expect((await port.get(`${ns}-a_c`, 'x_y'))!.data).toEqual({ kind: `${ns}-a_c`, id: 'x_y' });
        expect(await port.get(`${ns}-a_c`, 'x%y')).toBeNull();
        expect((await port.get(`${ns}-abc`, 'cafe\u0301'))!.data).toEqual({
          kind: `${ns}-abc`,
          id: 'cafe\u0301',
        });
        await port.delete(`${ns}-a_c`, 'x_y');
        expect(await port.get(`${ns}-abc`, 'x_y')).not.toBeNull();
        expect(await port.get(`${ns}-a_c`, 'xzy')).not.toBeNull();
      } finally {
        for (const kind of kinds)
          for (const job of await listAll(port, kind)) await port.delete(kind, job.id);
      }
    },
  );

  cases.case('stored state is a copy: mutating inputs or results changes nothing', async ({ port, ns }) => {
    const data = { list: [1, 2], nested: { v: 'a' } };
    await port.save(ns, 'copy', data);
    data.list.push(3);
    data.nested.v = 'changed';
    const got = await port.get<typeof data>(ns, 'copy');
    expect(got!.data).toEqual({ list: [1, 2], nested: { v: 'a' } });
    got!.data.list.push(99);
    expect((await port.get<typeof data>(ns, 'copy'))!.data.list).toEqual([1, 2]);
  });
}
