import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Shared vitest settings. Workspace packages resolve to their sources (not dist), so a
 * test run never depends on a stale build; every run also writes a JSON report that
 * `.ci/run` totals into its final `N passed, N failed, N skipped` line.
 */
export function defineStowageConfig(packageDir: string, overrides: ViteUserConfig['test'] = {}) {
  const name = packageDir.split('/').slice(-2).join('-');
  const resultsDir = join(repoRoot, '.test-results');
  if (!existsSync(resultsDir)) mkdirSync(resultsDir, { recursive: true });
  return defineConfig({
    resolve: {
      alias: [
        {
          find: /^@stowage\/([a-z0-9-]+)$/,
          replacement: `${repoRoot}/packages/$1/src/index.ts`,
        },
      ],
    },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: ['default', 'json'],
      outputFile: { json: join(resultsDir, `${name}.json`) },
      ...overrides,
    },
  });
}
