import { randomBytes } from 'node:crypto';
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

// A real server judges expiry by its own time; only the signer reads the manual clock. Model
// that with two stores sharing a secret: the data store (system clock) behind the server,
// and a signer whose clock the suite sets into the past.
const signerClock = new ManualClock(new Date());
let signerServer: MemoryPresignServer | undefined;

describeObjectStoreConformance({
  name: 'memory, signer-only clock',
  clock: { advance: (ms) => signerClock.advance(ms), set: (d) => signerClock.set(d), readBy: 'signer' },
  largeObjectBytes: 1024 * 1024,
  async create() {
    const presignSecret = randomBytes(32).toString('hex');
    let data: MemoryObjectStore | undefined;
    signerServer = await createMemoryPresignServer(() => data);
    data = new MemoryObjectStore({ presignBaseUrl: signerServer.url, presignSecret });
    const signer = new MemoryObjectStore({
      presignBaseUrl: signerServer.url,
      presignSecret,
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
