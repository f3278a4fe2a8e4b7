import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runExample } from './run-example.js';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

it('stores, lists, presigns and fetches objects in local mode', async () => {
  root = await mkdtemp(join(tmpdir(), 'stowage-example-'));
  const report = await runExample(root);
  expect(report.listing).toEqual(['café/', 'docs/', 'public/']);
  expect(report.presignedGet).toEqual({ status: 200, body: '{"revenue":42}' });
  expect(report.tamperedGet.status).toBe(403);
  expect(report.publicGet.status).toBe(200);
  expect(report.publicGet.contentType).toMatch(/^image\/svg\+xml/);
  expect(report.privateGet.status).toBe(403);
  expect(report.presignedPut).toEqual({ status: 200, storedAs: 'uploaded' });
  expect(report.missingHead).toBe('NotFound');
  // Files sit at their natural paths, so a developer can look at them.
  expect(await readFile(join(root, 'docs/readme.txt'), 'utf8')).toBe('Hello from local mode.\n');
});
