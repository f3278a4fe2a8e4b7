import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTANTS } from './fixtures/mutants.js';

interface JsonReport {
  testResults: Array<{
    assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string }>;
  }>;
}

/**
 * Runs the conformance suite against stores broken on purpose (in a child vitest, so their
 * failures stay out of this run) and checks each defect is caught by the cases meant to catch it.
 */
describe('the conformance suite catches known defects', () => {
  const packageDir = join(import.meta.dirname, '..');
  let report: JsonReport | undefined;

  const results = (): JsonReport => {
    if (report !== undefined) return report;
    const dir = mkdtempSync(join(tmpdir(), 'stowage-mutants-'));
    const file = join(dir, 'report.json');
    try {
      const vitestBin = join(
        dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
        'vitest.mjs',
      );
      const run = spawnSync(
        process.execPath,
        [vitestBin, 'run', '--config', 'test/fixtures/vitest.mutants.config.ts'],
        {
          cwd: packageDir,
          env: { ...process.env, MUTANT_REPORT: file },
          encoding: 'utf8',
          timeout: 240_000,
        },
      );
      if (run.error) throw run.error;
      report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
      return report;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  for (const [name, { mustFail }] of Object.entries(MUTANTS)) {
    it(`mutant "${name}" fails ${mustFail.length === 1 ? 'its case' : 'its cases'}`, {
      timeout: 300_000,
    }, () => {
      const suite = `ObjectStore conformance: mutant: ${name}`;
      const cases = results()
        .testResults.flatMap((f) => f.assertionResults)
        .filter((a) => a.ancestorTitles[0] === suite);
      expect(cases.length, 'the mutant suite ran').toBeGreaterThan(90);
      const status = new Map(cases.map((c) => [c.title, c.status]));
      for (const title of mustFail) expect(status.get(title), title).toBe('failed');
      // The defect is targeted: most of the contract still passes, so failures point at the cause.
      const failed = cases.filter((c) => c.status === 'failed').length;
      expect(failed, 'failures stay targeted').toBeLessThan(cases.length / 4);
    });
  }
});
