import { isStorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';
import { MemoryAuditLog } from './memory-audit-log.js';

describe('MemoryAuditLog', () => {
  it('assigns increasing ids and returns events oldest first across pages', async () => {
    const clock = new ManualClock(new Date('2025-01-01T00:00:00Z'));
    const log = new MemoryAuditLog({ clock });
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const e = await log.append({
        action: i % 3 === 0 ? 'delete' : 'upload',
        key: `k${i}`,
        at: clock.advance(1000),
      });
      ids.push(e.id);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(25);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await log.query({ action: 'upload', limit: 4, cursor });
      seen.push(...page.items.map((e) => e.key));
      cursor = page.cursor;
    } while (cursor !== undefined);
    const expected = Array.from({ length: 25 }, (_, i) => i)
      .filter((i) => i % 3 !== 0)
      .map((i) => `k${i}`);
    expect(seen).toEqual(expected);
  });

  it('filters by key, actor and since', async () => {
    const clock = new ManualClock(new Date(0));
    const log = new MemoryAuditLog({ clock });
    await log.append({ action: 'upload', key: 'a', actor: 'alice', at: new Date(1000) });
    await log.append({ action: 'download', key: 'a', actor: 'bob', at: new Date(2000) });
    await log.append({ action: 'presign', key: 'b', actor: 'alice', at: new Date(3000) });
    expect((await log.query({ key: 'a' })).items.map((e) => e.action)).toEqual(['upload', 'download']);
    expect((await log.query({ actor: 'alice' })).items.map((e) => e.key)).toEqual(['a', 'b']);
    expect((await log.query({ since: new Date(2000) })).items.map((e) => e.action)).toEqual([
      'download',
      'presign',
    ]);
  });

  it('stamps events without `at` from its clock and keeps copies', async () => {
    const clock = new ManualClock(new Date('2025-06-01T12:00:00Z'));
    const log = new MemoryAuditLog({ clock });
    const details = { bytes: 3, tags: ['x'] };
    const stored = await log.append({ action: 'upload', key: 'k', details } as never);
    expect(stored.at.toISOString()).toBe('2025-06-01T12:00:00.000Z');
    details.tags.push('changed');
    stored.at.setTime(0);
    const [again] = (await log.query({})).items;
    expect(again?.details).toEqual({ bytes: 3, tags: ['x'] });
    expect(again?.at.toISOString()).toBe('2025-06-01T12:00:00.000Z');
  });

  it('rejects bad events and cursors with InvalidInput', async () => {
    const log = new MemoryAuditLog();
    for (const bad of [
      { action: 'explode', key: 'k', at: new Date() },
      { action: 'upload', key: '', at: new Date() },
      { action: 'upload', key: 'k', at: new Date(Number.NaN) },
      { action: 'upload', key: 'k', at: new Date(), details: { n: 10n } },
    ]) {
      const error = await log.append(bad as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isStorageError(error, 'InvalidInput')).toBe(true);
    }
    expect((await log.query({})).items).toEqual([]);
    const error = await log.query({ cursor: 'k1.zz' }).catch((e: unknown) => e);
    expect(isStorageError(error, 'InvalidInput')).toBe(true);
  });
});
