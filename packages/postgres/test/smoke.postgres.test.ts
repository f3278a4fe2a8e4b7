import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PostgresAuditLog,
  PostgresDatabase,
  PostgresJobStateStore,
  PostgresLocks,
  PostgresMetadataRepository,
  PostgresRolloutState,
} from '../src/index.js';
import { freshDatabase } from './fresh-database.js';

for (const target of ['postgres', 'pglite'] as const) {
  describe(`smoke on ${target}`, () => {
    let db: PostgresDatabase;
    let drop: () => Promise<void> = async () => {};
    beforeAll(async () => {
      if (target === 'postgres') {
        const fresh = await freshDatabase('smoke');
        drop = fresh.drop;
        db = await PostgresDatabase.open({ url: fresh.url });
      } else {
        db = await PostgresDatabase.open({});
      }
    });
    afterAll(async () => {
      await db.close();
      await drop();
    });

    it('metadata, audit, jobs, locks, rollouts', async () => {
      const repo = new PostgresMetadataRepository(db);
      const rec = await repo.upsert({
        key: "a/b%_'q",
        backend: 'local',
        size: 3,
        contentType: 'text/plain',
        etag: '"e"',
        visibility: 'private',
        attributes: { x: 1 },
      });
      expect(rec.key).toBe("a/b%_'q");
      await repo.upsertMany(
        [1, 2, 3].map((i) => ({
          key: `a/${i}`,
          backend: 'local',
          size: i,
          contentType: 't',
          etag: 'e',
          visibility: 'public' as const,
          attributes: {},
          category: 'c',
        })),
      );
      const page = await repo.query({ prefix: 'a/', limit: 2 });
      expect(page.items.map((r) => r.key)).toEqual(['a/1', 'a/2']);
      const rest = await repo.query({ prefix: 'a/', limit: 10, cursor: page.cursor! });
      expect(rest.items.map((r) => r.key)).toEqual(['a/3', "a/b%_'q"]);
      expect(await repo.aggregate({ prefix: 'a/' })).toEqual({
        count: 4,
        totalSize: 9,
        byCategory: { c: { count: 3, totalSize: 6 } },
      });
      const audit = new PostgresAuditLog(db);
      const e = await audit.append({ action: 'upload', key: 'k', at: new Date() });
      expect(e.id).toMatch(/^\d+$/);
      const jobs = new PostgresJobStateStore(db);
      const j = await jobs.save('kind', 'id', { n: 1 }, { expectedVersion: 0 });
      expect(j.version).toBe(1);
      await expect(jobs.save('kind', 'id', { n: 2 }, { expectedVersion: 0 })).rejects.toMatchObject({
        kind: 'Conflict',
      });
      const locks = new PostgresLocks(db);
      const lease = await locks.acquire('k', 'exclusive');
      expect(await locks.tryAcquire('k', 'shared')).toBeUndefined();
      await lease.release();
      const shared = await locks.tryAcquire('k', 'shared');
      expect(shared).toBeDefined();
      await shared!.release();
      await locks.close();
      const rollouts = new PostgresRolloutState(db);
      const seen: number[] = [];
      const stop = rollouts.watch('r1', (s) => seen.push(s.percentage));
      await rollouts.set('r1', 10);
      await rollouts.set('r1', 50);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual([10, 50]);
      stop();
      await rollouts.close();
    });

    it('locks taken by many callers at once share one connection, one statement at a time (no pg queueing warning)', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
      process.on('warning', onWarning);
      const locks = new PostgresLocks(db);
      try {
        await Promise.all(
          Array.from({ length: 64 }, async (_, i) => {
            const lease = await locks.acquire(`k${i % 8}`, i % 3 === 0 ? 'exclusive' : 'shared');
            await lease.release();
          }),
        );
        await new Promise((r) => setTimeout(r, 20)); // warnings are emitted on the next tick
      } finally {
        process.off('warning', onWarning);
        await locks.close();
      }
      expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([]);
    });
  });
}
