import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const script = join(root, 'tooling', 'scripts', 'capability-tables.mjs');

// The capability tables in the adapter READMEs are generated from what the built adapters
// declare (tooling/scripts/capability-tables.mjs). This fails when one is out of date: a
// capability changed and `pnpm docs:capabilities` was not run. Turbo builds the adapters first.
describe('capability tables in the adapter READMEs', () => {
  it('match what the adapters declare', async () => {
    const result = await promisify(execFile)(process.execPath, [script, '--check'], { cwd: root }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code ?? 1, stderr: error.stderr ?? '' }),
    );
    expect(result.stderr, 'run `pnpm docs:capabilities` and commit the READMEs').toBe('');
    expect(result.code).toBe(0);
  }, 60_000);
});
