import { isStorageError } from '@stowage/core';
import { expect } from 'vitest';
import { AWKWARD_STRINGS, valuesJsonWouldChange } from '../../helpers/json-values.js';
import { expectStorageError } from '../../object-store/assertions.js';
import { expectNothingUnder, type MetadataCases, record } from '../support.js';

export function registerValidationCases(cases: MetadataCases): void {
  cases.case(
    'upsert of an invalid key is InvalidKey; of a malformed record InvalidInput',
    async ({ port, ns }) => {
      for (const key of [
        `/${ns}/abs`,
        `${ns}//double`,
        `${ns}/trailing/`,
        `${ns}/../up`,
        `${ns}/nul\u0000`,
        '',
      ]) {
        await expectStorageError(() => port.upsert(record(key)), 'InvalidKey');
      }
      for (const size of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
        await expectStorageError(() => port.upsert(record(`${ns}/size`, { size })), 'InvalidInput');
      }
      await expectStorageError(
        () => port.upsert(record(`${ns}/vis`, { visibility: 'world' as 'public' })),
        'InvalidInput',
      );
      await expectStorageError(
        () =>
          port.upsert(record(`${ns}/attrs`, { attributes: [1, 2] as unknown as Record<string, unknown> })),
        'InvalidInput',
      );
      await expectNothingUnder(port, ns);
    },
  );

  cases.case('attributes JSON cannot hold are InvalidInput and write nothing', async ({ port, ns }) => {
    for (const [label, attributes] of valuesJsonWouldChange()) {
      await expectStorageError(() => port.upsert(record(`${ns}/bad`, { attributes })), 'InvalidInput').catch(
        (error: unknown) => {
          throw new Error(`${label}: ${(error as Error).message}`);
        },
      );
    }
    await expectNothingUnder(port, ns);
  });

  cases.case('a refused upsert leaves the stored record as it was', async ({ port, ns }) => {
    const key = `${ns}/kept`;
    const saved = await port.upsert(record(key, { size: 3, attributes: { v: 1 } }));
    const [, circular] = valuesJsonWouldChange()[0]!;
    await expectStorageError(
      () => port.upsert(record(key, { size: 4, attributes: circular })),
      'InvalidInput',
    );
    await expectStorageError(() => port.upsert(record(key, { size: -4 })), 'InvalidInput');
    expect(await port.get(key)).toEqual(saved);
  });

  cases.case(
    'strings with NUL or unusual Unicode round-trip, or are refused as InvalidInput',
    async ({ port, ns }) => {
      for (const [i, text] of AWKWARD_STRINGS.entries()) {
        const key = `${ns}/s${i}`;
        const input = record(key, { owner: text, category: text, attributes: { text, [text]: 1 } });
        try {
          await port.upsert(input);
        } catch (error) {
          if (!isStorageError(error, 'InvalidInput')) throw error;
          expect(await port.get(key, { includeDeleted: true }), `refused ${JSON.stringify(text)}`).toBeNull();
          continue;
        }
        expect(await port.get(key), JSON.stringify(text)).toMatchObject({
          owner: text,
          category: text,
          attributes: { text, [text]: 1 },
        });
      }
    },
  );

  cases.case(
    'attributes over the declared size limit are InvalidInput and write nothing',
    async ({ port, ns, options, skip }) => {
      const max = options.limits?.maxAttributesBytes;
      if (max === undefined)
        return skip('declares no attributes size limit (options.limits.maxAttributesBytes)');
      const filler = (bytes: number) => ({ blob: 'x'.repeat(bytes - '{"blob":""}'.length) });
      await port.upsert(record(`${ns}/at-limit`, { attributes: filler(max) }));
      await expectStorageError(
        () => port.upsert(record(`${ns}/over`, { attributes: filler(max + 1) })),
        'InvalidInput',
      );
      expect(await port.get(`${ns}/over`, { includeDeleted: true })).toBeNull();
      await expectStorageError(
        () => port.upsertMany([record(`${ns}/fine`), record(`${ns}/over`, { attributes: filler(max + 1) })]),
        'InvalidInput',
      );
      expect(await port.get(`${ns}/fine`, { includeDeleted: true })).toBeNull();
    },
  );
}
