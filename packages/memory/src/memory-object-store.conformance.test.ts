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

// A real server judges expiry by its own time; only the signer reads the manual clock. Model
// that with two stores sharing a secret: the data store (system clock) behind the server,
// and a signer whose clock the suite sets into the past.
const signerClock = new ManualClock(new Date());
let signerServer: MemoryPresignServer | undefined;

describeObjectStoreConformance({
  name: 'memory (signer-only clock)',
  clock: { advance: (ms) => signerClock.advance(ms), set: (d) => signerClock.set(d), readBy: 'signer' },
  largeObjectBytes: 1024 * 1024,
  async create() {
    let data: MemoryObjectStore | undefined;
    signerServer = await createMemoryPresignServer(() => data);
    data = new MemoryObjectStore({ presignBaseUrl: signerServer.url, presignSecret: SECRET });
    const signer = new MemoryObjectStore({
      presignBaseUrl: signerServer.url,
      presignSecret: SECRET,
      clock: signerClock,
    });
    const target = data;
    return new Proxy(target, {
      get(_, name) {
        const from = name === 'presignGet' || name === 'presignPut' ? signer : target;
        const value = Reflect.get(from, name, from);
        return typeof value === 'function' ? value.bind(from) : value;
      },
    });
  },
  async cleanup() {
    await signerServer?.close();
  },
});
