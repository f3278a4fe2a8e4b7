import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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
          find: /^@stowage\/(?!vitest-config$)([a-z0-9-]+)$/,
          replacement: `${repoRoot}/packages/$1/src/index.ts`,
        },
      ],
    },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: ['default', 'json', runErrorsReporter(join(resultsDir, `${name}.run-errors.json`))],
      outputFile: { json: join(resultsDir, `${name}.json`) },
      ...overrides,
    },
  });
}

/**
 * Vitest fails a run on unhandled errors even when every test passed, but its JSON report
 * says `success: true` then. This records them so the CI total counts them as failures.
 */
function runErrorsReporter(file: string) {
  return {
    onTestRunEnd(_modules: unknown, unhandledErrors: ReadonlyArray<unknown>, reason: string) {
      const errors = unhandledErrors.map((e) => String((e as Error)?.message ?? e));
      writeFileSync(file, JSON.stringify({ reason, unhandledErrors: errors }));
    },
  };
}
