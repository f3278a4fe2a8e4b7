// Runs every `*.bench.ts` in this directory, each in its own Node process (so one bench's
// memory never colours another's RSS figures), one after the other. Each prints its own table.
// Usage: `pnpm bench` (all) or `pnpm bench local s3` (files whose name contains a filter).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error(`No bench files match ${filters.join(', ') || '(any)'} in ${dir}`);
  process.exit(1);
}

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(
    process.execPath,
    [
      '--experimental-transform-types',
      '--no-warnings',
      '--expose-gc',
      '--import',
      join(dir, 'register-ts-hooks.mjs'),
      join(dir, file),
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
