import { isStorageError } from '@stowage/core';
import { expect } from 'vitest';
import { AWKWARD_STRINGS } from '../../helpers/json-values.js';
import { expectStorageError } from '../../object-store/assertions.js';
import type { JobCases } from '../support.js';

export function registerValidationCases(cases: JobCases): void {
  cases.case(
    'data that is not JSON-serialisable is InvalidInput and stores nothing',
    async ({ port, ns }) => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expectStorageError(() => port.save(ns, 'circular', circular), 'InvalidInput');
      await expectStorageError(() => port.save(ns, 'bigint', { n: 10n }), 'InvalidInput');
      await expectStorageError(() => port.save(ns, 'deep-bigint', { a: [{ b: 1n }] }), 'InvalidInput');
      await expectStorageError(() => port.save(ns, 'undefined', undefined), 'InvalidInput');
      for (const id of ['circular', 'bigint', 'deep-bigint', 'undefined'])
        expect(await port.get(ns, id)).toBeNull();
    },
  );

  cases.case('a refused save leaves the stored job and its version as they were', async ({ port, ns }) => {
    const saved = await port.save(ns, 'kept', { v: 1 });
    await expectStorageError(() => port.save(ns, 'kept', { n: 1n }), 'InvalidInput');
    await expectStorageError(
      () => port.save(ns, 'kept', { n: 1n }, { expectedVersion: saved.version }),
      'InvalidInput',
    );
    const got = await port.get(ns, 'kept');
    expect(got).toMatchObject({ version: saved.version, data: { v: 1 } });
  });

  cases.case(
    'strings with NUL or unusual Unicode round-trip, or are refused as InvalidInput',
    async ({ port, ns }) => {
      for (const [i, text] of AWKWARD_STRINGS.entries()) {
        const id = `s${i}`;
        try {
          await port.save(ns, id, { text, [text]: 1 });
        } catch (error) {
          if (!isStorageError(error, 'InvalidInput')) throw error;
          expect(await port.get(ns, id), `refused ${JSON.stringify(text)}`).toBeNull();
          continue;
        }
        expect((await port.get(ns, id))!.data, JSON.stringify(text)).toEqual({ text, [text]: 1 });
      }
    },
  );
}
