import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { settingsTable } from './settings-table.js';

it("the README's settings table is the one ENV_SETTINGS makes (run `node -e` below to refresh it)", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const between = /<!-- settings:start -->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme)?.[1];
  expect(between, 'README.md lost its settings markers').toBeDefined();
  expect(between).toBe(settingsTable());
});
