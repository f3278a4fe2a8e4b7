#!/usr/bin/env node
// Totals the vitest JSON reports of every package into the final `N passed, N failed, N skipped`
// line. A package that has a test script but wrote no report counts as one failure: a suite
// that crashed before reporting must not read as green.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const resultsDir = join(root, '.test-results');

const expected = [];
for (const group of ['packages', 'apps', 'tooling']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const pkgFile = join(dir, name, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    if (pkg.scripts?.test) expected.push(`${group}-${name}`);
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
// Named at the end, so the tail of a CI log says which tests failed, not only how many.
const failures = [];
for (const suite of expected) {
  const file = join(resultsDir, `${suite}.json`);
  if (!existsSync(file)) {
    failed += 1;
    rows.push(`${suite.padEnd(28)} NO REPORT (suite crashed or did not run) — counted as 1 failed`);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const s = r.numPendingTests + (r.numTodoTests ?? 0);
  // A file that failed to load has no tests but is a failure all the same.
  let brokenFiles = (r.testResults ?? []).filter(
    (t) => t.status === 'failed' && t.assertionResults.length === 0,
  ).length;
  // Unhandled errors fail a vitest run even when every test passed; count each as a failure.
  const runErrorsFile = join(resultsDir, `${suite}.run-errors.json`);
  const unhandled = existsSync(runErrorsFile)
    ? JSON.parse(readFileSync(runErrorsFile, 'utf8')).unhandledErrors.length
    : 0;
  brokenFiles += unhandled;
  for (const file of r.testResults ?? []) {
    for (const t of file.assertionResults) {
      if (t.status !== 'failed') continue;
      const why = (t.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 160);
      failures.push(`${relative(root, file.name)} > ${t.fullName ?? t.title}\n      ${why}`);
    }
  }
  passed += r.numPassedTests;
  failed += r.numFailedTests + brokenFiles;
  skipped += s;
  rows.push(
    `${suite.padEnd(28)} ${String(r.numPassedTests).padStart(5)} passed ${String(r.numFailedTests + brokenFiles).padStart(4)} failed ${String(s).padStart(4)} skipped${unhandled > 0 ? ` (${unhandled} unhandled errors)` : ''}`,
  );
}
console.log(`\nTest summary (${relative(root, resultsDir)}/):`);
for (const row of rows) console.log(`  ${row}`);
if (failures.length > 0) {
  console.log('\nFailed tests:');
  for (const f of failures) console.log(`  ${f}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
