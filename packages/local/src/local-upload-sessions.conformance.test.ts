import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, MemoryJobStateStore } from '@stowage/memory';
import { describeUploadSessionsConformance } from '@stowage/testkit';
import { afterAll } from 'vitest';
import { LocalObjectStore } from './local-object-store.js';
import { localUploadSessions } from './local-upload-sessions.js';

const dir = await mkdtemp(join(tmpdir(), 'stowage-local-uploads-'));
const clock = new ManualClock(new Date());
const store = new LocalObjectStore({ root: join(dir, 'objects'), clock });
const jobs = new MemoryJobStateStore({ clock });
const stagingRoot = join(dir, 'uploads');
afterAll(() => rm(dir, { recursive: true, force: true }));

describeUploadSessionsConformance({
  name: 'local (staged)',
  create: () => localUploadSessions(store, { stagingRoot, jobs, clock }),
  store: () => store,
  restart: () => localUploadSessions(store, { stagingRoot, jobs, clock }),
  advanceClock: (ms) => clock.advance(ms),
  leftovers: async (id) => {
    const staging = new LocalObjectStore({ root: stagingRoot });
    let n = 0;
    for await (const _ of staging.list({ prefix: `${id}/` })) n++;
    return n;
  },
});
