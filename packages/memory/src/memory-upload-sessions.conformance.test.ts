import { describeUploadSessionsConformance } from '@stowage/testkit';
import { ManualClock } from './manual-clock.js';
import { MemoryJobStateStore } from './memory-job-state-store.js';
import { MemoryObjectStore } from './memory-object-store.js';
import { memoryUploadSessions } from './memory-upload-sessions.js';

const clock = new ManualClock(new Date());
const store = new MemoryObjectStore({ clock });
const staging = new MemoryObjectStore({ clock });
const jobs = new MemoryJobStateStore({ clock });

describeUploadSessionsConformance({
  name: 'memory (staged)',
  create: () => memoryUploadSessions(store, { jobs, clock, staging }),
  store: () => store,
  restart: () => memoryUploadSessions(store, { jobs, clock, staging }),
  advanceClock: (ms) => clock.advance(ms),
  leftovers: async (id) => {
    let n = 0;
    for await (const _ of staging.list({ prefix: `${id}/` })) n++;
    return n;
  },
});
