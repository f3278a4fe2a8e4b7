import {
  createMemoryPresignServer,
  ManualClock,
  MemoryObjectStore,
  type MemoryPresignServer,
} from '@stowage/memory';
import { describeObjectStoreConformance } from './object-store/describe-object-store-conformance.js';

// The reference adapter must pass the whole contract, presign and expiry included.
const clock = new ManualClock();
let server: MemoryPresignServer | undefined;

describeObjectStoreConformance({
  name: 'memory',
  clock,
  async create() {
    let store: MemoryObjectStore | undefined;
    server = await createMemoryPresignServer(() => store);
    store = new MemoryObjectStore({ clock, presignBaseUrl: server.url });
    return store;
  },
  async cleanup() {
    await server?.close();
  },
});

describeObjectStoreConformance({
  name: 'memory without presign, 16 MiB cap',
  create: () => new MemoryObjectStore({ maxObjectSize: 16 * 1024 * 1024 }),
  largeObjectBytes: 1024 * 1024,
});
