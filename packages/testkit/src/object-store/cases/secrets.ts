import { expect } from 'vitest';
import { renderings } from '../../helpers/renderings.js';
import type { Harness } from '../harness.js';

export function registerSecretCases(h: Harness): void {
  h.case(
    'no configured secret shows in inspect, JSON.stringify or String of the store or its errors',
    async ({ store, key, options, skip }) => {
      const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
      if (secrets.length === 0) skip('(suite) was given no secrets to look for (options.secrets)');
      const errors: unknown[] = [];
      for (const run of [
        () => store.get(key('missing')),
        () => store.head(key('missing')),
        () => store.put('/invalid', 'x'),
        () => store.copy(key('missing'), key('other')),
      ]) {
        try {
          await run();
        } catch (error) {
          errors.push(error);
        }
      }
      expect(errors.length, 'each failing call threw').toBe(4);
      for (const [what, value] of [
        ['store', store],
        ...errors.map((e, i) => [`error ${i + 1}`, e] as const),
      ] as const) {
        for (const text of renderings(value)) {
          for (const secret of secrets) {
            expect(text.includes(secret), `${what} reveals a configured secret`).toBe(false);
          }
        }
      }
    },
  );
}
