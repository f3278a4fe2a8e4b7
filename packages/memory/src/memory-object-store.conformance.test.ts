import { describeObjectStoreConformance } from '@stowage/testkit';
import { ManualClock } from './manual-clock.js';
import { MemoryObjectStore } from './memory-object-store.js';
import { createMemoryPresignServer, type MemoryPresignServer } from './memory-presign-server.js';

const clock = new ManualClock(new Date());
let server: MemoryPresignServer | undefined;
const SECRET = 'memory-conformance-secret-6f1c2a';

// The full store: presigning through the memory presign server, driven by a manual clock.
describeObjectStoreConformance({
  name: 'memory',
  clock,
  secrets: [SECRET],
  create: async () => {
    let store: MemoryObjectStore | undefined;
    server = await createMemoryPresignServer(() => store);
    store = new MemoryObjectStore({ clock, presignBaseUrl: server.url, presignSecret: SECRET });
    return store;
  },
  cleanup: async () => {
    await server?.close();
  },
});

// The other configuration a user may pick: no presign server and a size cap, so the
// Unsupported and PayloadTooLarge paths run through the contract too.
describeObjectStoreConformance({
  name: 'memory (no presign, 16 MiB cap)',
  create: () => new MemoryObjectStore({ maxObjectSize: 16 * 1024 * 1024 }),
  largeObjectBytes: 12 * 1024 * 1024,
});
