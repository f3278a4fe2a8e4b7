import { ManualClock, MemoryJobStateStore, MemoryObjectStore, memoryUploadSessions } from '@stowage/memory';
import { describeUploadSessionsConformance } from '@stowage/testkit';
import { HybridObjectStore } from './hybrid-object-store.js';
import { HybridUploadSessions } from './hybrid-upload-sessions.js';

// Sessions routed to the side of their key, at the rollout shapes where every key goes to one
// side and where keys split; each side stages its parts its own way (here: memory's staging).
for (const percentage of [0, 50, 100]) {
  const clock = new ManualClock(new Date());
  const jobs = new MemoryJobStateStore({ clock });
  let store: HybridObjectStore;
  let sides: { from: ReturnType<typeof memoryUploadSessions>; to: ReturnType<typeof memoryUploadSessions> };
  const sessions = () => new HybridUploadSessions({ store, ...sides });
  describeUploadSessionsConformance({
    name: `hybrid memory+memory at ${percentage}%`,
    create() {
      const from = new MemoryObjectStore({ clock });
      const to = new MemoryObjectStore({ clock });
      store = new HybridObjectStore({ from, to, percentage, jobs, clock });
      sides = {
        from: memoryUploadSessions(from, { jobs, clock }),
        to: memoryUploadSessions(to, { jobs, clock }),
      };
      return sessions();
    },
    store: () => store,
    restart: sessions,
    advanceClock: (ms) => clock.advance(ms),
    cleanup: () => store.close(),
  });
}
