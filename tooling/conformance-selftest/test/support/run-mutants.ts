import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';

interface JsonReport {
  testResults: Array<{
    assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string }>;
  }>;
}

export interface Mutant {
  /** Case titles that must fail on this mutant. */
  mustFail: readonly string[];
}

const packageDir = join(import.meta.dirname, '..', '..');
/** One child run per fixture, shared by the tests of this file. */
const reports = new Map<string, JsonReport>();

/** Runs `fixture` (path relative to the package) in a child vitest, so its failures stay out of this run. */
function runFixture(fixture: string): JsonReport {
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
        env: { ...process.env, MUTANT_REPORT: file, MUTANT_FIXTURE: fixture },
        encoding: 'utf8',
        timeout: 240_000,
      },
    );
    if (run.error) throw run.error;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
    } catch {
      throw new Error(`the mutant run wrote no report:\n${run.stdout}\n${run.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One test per mutant: the suite titled `${suitePrefix}${name}` ran, failed each case the
 * mutant must fail, and stayed targeted (most of the contract still passes, so failures
 * point at the cause).
 */
export function expectMutantsCaught(
  fixture: string,
  suitePrefix: string,
  mutants: Record<string, Mutant>,
  minCases: number,
): void {
  const results = () => {
    let report = reports.get(fixture);
    if (report === undefined) {
      report = runFixture(fixture);
      reports.set(fixture, report);
    }
    return report;
  };
  for (const [name, { mustFail }] of Object.entries(mutants)) {
    it(`mutant "${name}" fails ${mustFail.length === 1 ? 'its case' : 'its cases'}`, {
      timeout: 300_000,
    }, () => {
      const suite = `${suitePrefix}${name}`;
      const cases = results()
        .testResults.flatMap((f) => f.assertionResults)
        .filter((a) => a.ancestorTitles[0] === suite);
      expect(cases.length, `the suite "${suite}" ran`).toBeGreaterThanOrEqual(minCases);
      const status = new Map(cases.map((c) => [c.title, c.status]));
      for (const title of mustFail) expect(status.get(title), title).toBe('failed');
      const failed = cases.filter((c) => c.status === 'failed').length;
      expect(failed, 'failures stay targeted').toBeLessThan(cases.length / 4);
    });
  }
}
