import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRuntimeScenarios } from './scenarios.js';

const dataDir = await mkdtemp(join(tmpdir(), 'stowage-runtime-local-'));

describeRuntimeScenarios('local mode on PGlite', {
  config: () => ({ mode: 'local', dataDir, local: { fsync: false } }),
  teardown: () => rm(dataDir, { recursive: true, force: true }),
});
