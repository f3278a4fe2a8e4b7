import { expect } from 'vitest';
import { renderings } from '../../helpers/renderings.js';
import type { CdnCases } from '../harness.js';

export function registerCdnSecretCases(cases: CdnCases): void {
  cases.case(
    'no configured secret shows in inspect, JSON.stringify or String of the CDN or its errors',
    async ({ cdn, key, options, skip }) => {
      const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
      if (secrets.length === 0) skip('(suite) was given no secrets to look for (options.secrets)');
      const errors: unknown[] = [];
      try {
        cdn.publicUrl('/invalid');
      } catch (error) {
        errors.push(error);
      }
      for (const run of [() => cdn.fetch(key('missing')), () => cdn.purge({ keys: ['/invalid'] })]) {
        try {
          await run();
        } catch (error) {
          errors.push(error);
        }
      }
      expect(errors.length, 'each failing call threw').toBe(3);
      for (const [what, value] of [
        ['cdn', cdn],
        ...errors.map((e, i) => [`error ${i + 1}`, e] as const),
      ] as const) {
        for (const text of renderings(value)) {
          for (const secret of secrets)
            expect(text.includes(secret), `${what} reveals a configured secret`).toBe(false);
        }
      }
    },
  );
}
