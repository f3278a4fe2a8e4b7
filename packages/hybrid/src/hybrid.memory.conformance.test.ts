import {
  createMemoryPresignServer,
  ManualClock,
  MemoryJobStateStore,
  MemoryObjectStore,
  type MemoryPresignServer,
} from '@stowage/memory';
import { describeObjectStoreConformance } from '@stowage/testkit';
import { HybridObjectStore } from './hybrid-object-store.js';

// memory + memory at the three shapes of a rollout: nothing moved, half, everything. Each
// side signs with its own secret; neither may show through the hybrid or its errors.
const SECRETS = { from: 'hybrid-from-presign-secret-0123456789', to: 'hybrid-to-presign-secret-9876543210' };
for (const percentage of [0, 50, 100]) {
  const clock = new ManualClock();
  const servers: MemoryPresignServer[] = [];
  describeObjectStoreConformance({
    name: `hybrid memory+memory at ${percentage}%`,
    clock,
    secrets: Object.values(SECRETS),
    async create() {
      const make = async (presignSecret: string) => {
        let store: MemoryObjectStore | undefined;
        const server = await createMemoryPresignServer(() => store);
        servers.push(server);
        store = new MemoryObjectStore({ clock, presignBaseUrl: server.url, presignSecret });
        return store;
      };
      return new HybridObjectStore({
        from: await make(SECRETS.from),
        to: await make(SECRETS.to),
        percentage,
        jobs: new MemoryJobStateStore({ clock }),
        clock,
      });
    },
    async cleanup(store) {
      await (store as HybridObjectStore).close();
      await Promise.all(servers.map((server) => server.close()));
    },
  });
}

// Unequal backends: no presigning (Unsupported) and a size cap on one side only, which the
// hybrid must enforce on both (its capabilities promise the smaller limit). At 0% and 100%
// every key routes to one side, so each combination of "routed side capped or not" runs.
const CAP = 16 * 1024 * 1024;
for (const capped of ['from', 'to'] as const) {
  for (const percentage of [0, 100]) {
    describeObjectStoreConformance({
      name: `hybrid memory+memory (16 MiB cap on ${capped}) at ${percentage}%, no presign`,
      create: () =>
        new HybridObjectStore({
          from: new MemoryObjectStore(capped === 'from' ? { maxObjectSize: CAP } : {}),
          to: new MemoryObjectStore(capped === 'to' ? { maxObjectSize: CAP } : {}),
          percentage,
          jobs: new MemoryJobStateStore(),
        }),
      cleanup: (store) => (store as HybridObjectStore).close(),
      largeObjectBytes: 1024 * 1024,
    });
  }
}
