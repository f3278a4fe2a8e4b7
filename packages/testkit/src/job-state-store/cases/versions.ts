import { expect } from 'vitest';
import { expectStorageError } from '../../object-store/assertions.js';
import type { JobCases } from '../support.js';

const RACERS = 8;

export function registerVersionCases(cases: JobCases): void {
  cases.case('expectedVersion 0 creates a job that does not exist', async ({ port, ns }) => {
    const saved = await port.save(ns, 'fresh', { ok: true }, { expectedVersion: 0 });
    expect(saved.version).toBe(1);
  });

  cases.case('expectedVersion 0 on an existing job is Conflict and keeps it', async ({ port, ns }) => {
    await port.save(ns, 'taken', { owner: 'first' });
    await expectStorageError(
      () => port.save(ns, 'taken', { owner: 'second' }, { expectedVersion: 0 }),
      'Conflict',
    );
    const got = await port.get(ns, 'taken');
    expect(got!.data).toEqual({ owner: 'first' });
    expect(got!.version).toBe(1);
  });

  cases.case('a matching expectedVersion saves', async ({ port, ns }) => {
    const v1 = await port.save(ns, 'cas', { n: 1 });
    const v2 = await port.save(ns, 'cas', { n: 2 }, { expectedVersion: v1.version });
    expect(v2.version).toBe(v1.version + 1);
    expect((await port.get(ns, 'cas'))!.data).toEqual({ n: 2 });
  });

  cases.case('a stale expectedVersion is Conflict and keeps the newer state', async ({ port, ns }) => {
    const v1 = await port.save(ns, 'cas', { n: 1 });
    await port.save(ns, 'cas', { n: 2 });
    await expectStorageError(
      () => port.save(ns, 'cas', { n: 3 }, { expectedVersion: v1.version }),
      'Conflict',
    );
    await expectStorageError(() => port.save(ns, 'missing', { n: 1 }, { expectedVersion: 4 }), 'Conflict');
    expect((await port.get(ns, 'cas'))!.data).toEqual({ n: 2 });
    expect(await port.get(ns, 'missing')).toBeNull();
  });

  cases.case(`of ${RACERS} racing saves with one expectedVersion exactly one wins`, async ({ port, ns }) => {
    const base = await port.save(ns, 'race', { winner: null });
    const results = await Promise.allSettled(
      Array.from({ length: RACERS }, (_, i) =>
        port.save(ns, 'race', { winner: i }, { expectedVersion: base.version }),
      ),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') await expectStorageError(() => Promise.reject(r.reason), 'Conflict');
    const got = await port.get(ns, 'race');
    expect(got!.data).toEqual({ winner: winners[0] });
    expect(got!.version).toBe(base.version + 1);
  });

  cases.case(`of ${RACERS} racing creates with expectedVersion 0 exactly one wins`, async ({ port, ns }) => {
    const results = await Promise.allSettled(
      Array.from({ length: RACERS }, (_, i) =>
        port.save(ns, 'create-race', { creator: i }, { expectedVersion: 0 }),
      ),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') await expectStorageError(() => Promise.reject(r.reason), 'Conflict');
    const got = await port.get(ns, 'create-race');
    expect(got).toMatchObject({ version: 1, data: { creator: winners[0] } });
  });

  cases.case(`${RACERS} racing unconditional saves each get a version of their own`, async ({ port, ns }) => {
    const base = await port.save(ns, 'counter', { writer: -1 });
    const results = await Promise.all(
      Array.from({ length: RACERS }, (_, i) => port.save(ns, 'counter', { writer: i })),
    );
    const versions = results.map((r) => r.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: RACERS }, (_, i) => base.version + 1 + i));
    const got = await port.get(ns, 'counter');
    const last = results.find((r) => r.version === base.version + RACERS)!;
    expect(got!.version).toBe(base.version + RACERS);
    expect(got!.data).toEqual(last.data);
  });
}
