import type { StoredAuditEvent } from '@stowage/core';
import { expect } from 'vitest';
import { AWKWARD_STRINGS, valuesJsonWouldChange } from '../../helpers/json-values.js';
import { expectStorageError } from '../../object-store/assertions.js';
import { ACTIONS, type AuditCases, event, queryAll, timeline } from '../support.js';

export function registerAppendCases(cases: AuditCases): void {
  cases.case('append returns the event as given, with an id', async ({ port, ns }) => {
    const at = new Date('2024-02-29T23:59:59.123Z');
    const input = {
      action: 'download' as const,
      key: `${ns}/a b.txt`,
      actor: ns,
      at,
      details: { bytes: 12 },
    };
    const stored = await port.append(input);
    expect(typeof stored.id).toBe('string');
    expect(stored.id.length).toBeGreaterThan(0);
    expect(stored).toMatchObject({
      action: 'download',
      key: `${ns}/a b.txt`,
      actor: ns,
      details: { bytes: 12 },
    });
    expect(stored.at).toBeInstanceOf(Date);
    expect(stored.at.getTime()).toBe(at.getTime());
    expect(await queryAll(port, { key: input.key })).toEqual([stored]);
  });

  cases.case('every action of the port is accepted and read back', async ({ port, ns }) => {
    const at = timeline();
    for (const [i, action] of ACTIONS.entries()) await port.append(event(ns, 0, () => at(i), { action }));
    expect((await queryAll(port, { actor: ns })).map((e) => e.action)).toEqual(ACTIONS);
  });

  cases.case(
    'an event without actor or details reads back without them (undefined, not null)',
    async ({ port, ns }) => {
      const key = `${ns}/bare`;
      await port.append({ action: 'delete', key, at: new Date() });
      const [got] = await queryAll(port, { key });
      expect(got).toBeDefined();
      expect(got!.actor).toBeUndefined();
      expect(got!.details).toBeUndefined();
    },
  );

  cases.case('details round-trip as JSON', async ({ port, ns }) => {
    const details = {
      bytes: 2 ** 40,
      ratio: 0.25,
      tags: ['a', 'b'],
      nested: { deep: { er: [1, { x: null }] } },
      flag: true,
      text: 'ü😀 "quoted" \\ back',
      empty: {},
    };
    const stored = await port.append({ action: 'copy', key: `${ns}/d`, actor: ns, at: new Date(), details });
    expect(stored.details).toEqual(details);
    expect((await queryAll(port, { key: `${ns}/d` }))[0]!.details).toEqual(details);
  });

  cases.case(
    'ids are unique, also across concurrent appends, and every event is kept once',
    async ({ port, ns }) => {
      const at = timeline();
      const stored = await Promise.all(Array.from({ length: 25 }, (_, i) => port.append(event(ns, i, at))));
      expect(new Set(stored.map((e) => e.id)).size).toBe(25);
      const listed = await queryAll(port, { actor: ns, limit: 7 });
      expect(listed).toHaveLength(25);
      expect(new Set(listed.map((e) => e.id))).toEqual(new Set(stored.map((e) => e.id)));
    },
  );

  cases.case('stored events are copies: mutating inputs or results changes nothing', async ({ port, ns }) => {
    const details = { list: [1] };
    const at = new Date();
    const input = { action: 'upload' as const, key: `${ns}/copy`, actor: ns, at, details };
    const stored = await port.append(input);
    details.list.push(2);
    at.setTime(0);
    (stored.details!.list as number[]).push(3);
    stored.key = 'changed';
    const [got] = await queryAll(port, { actor: ns });
    expect(got!.key).toBe(`${ns}/copy`);
    expect(got!.details).toEqual({ list: [1] });
    expect(got!.at.getTime()).not.toBe(0);
  });

  cases.case('details JSON cannot hold are InvalidInput and append nothing', async ({ port, ns }) => {
    for (const [label, details] of valuesJsonWouldChange()) {
      await expectStorageError(
        () => port.append({ action: 'upload', key: `${ns}/bad`, actor: ns, at: new Date(), details }),
        'InvalidInput',
      ).catch((error: unknown) => {
        throw new Error(`${label}: ${(error as Error).message}`);
      });
    }
    expect(await queryAll(port, { actor: ns })).toEqual([]);
  });

  cases.case(
    'an unknown action, a missing key or an invalid date is InvalidInput and appends nothing',
    async ({ port, ns }) => {
      const bad: unknown[] = [
        { action: 'explode', key: `${ns}/x`, actor: ns, at: new Date() },
        { action: 'upload', key: '', actor: ns, at: new Date() },
        { action: 'upload', actor: ns, at: new Date() },
        { action: 'upload', key: `${ns}/x`, actor: ns, at: new Date(Number.NaN) },
        { action: 'upload', key: `${ns}/x`, actor: ns, at: '2024-01-01' },
      ];
      for (const input of bad) {
        await expectStorageError(() => port.append(input as StoredAuditEvent), 'InvalidInput').catch(
          (error: unknown) => {
            throw new Error(`${JSON.stringify(input)}: ${(error as Error).message}`);
          },
        );
      }
      expect(await queryAll(port, { actor: ns })).toEqual([]);
    },
  );

  cases.case(
    'strings with NUL or unusual Unicode round-trip, or are refused as InvalidInput',
    async ({ port, ns }) => {
      for (const text of AWKWARD_STRINGS) {
        const key = `${ns}/${text.replace(/\u0000/g, '0')}`;
        let stored: StoredAuditEvent;
        try {
          stored = await port.append({ action: 'upload', key, actor: ns, at: new Date(), details: { text } });
        } catch (error) {
          await expectStorageError(() => Promise.reject(error), 'InvalidInput');
          continue;
        }
        expect((await queryAll(port, { key }))[0]?.details, JSON.stringify(text)).toEqual(stored.details);
        expect(stored.details).toEqual({ text });
      }
    },
  );
}
