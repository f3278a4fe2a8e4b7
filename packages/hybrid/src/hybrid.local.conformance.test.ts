import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ListeningLocalServer, LocalObjectStore, listenLocalServer } from '@stowage/local';
import {
  createMemoryPresignServer,
  ManualClock,
  MemoryJobStateStore,
  MemoryObjectStore,
  type MemoryPresignServer,
} from '@stowage/memory';
import { describeObjectStoreConformance } from '@stowage/testkit';
import { HybridObjectStore } from './hybrid-object-store.js';

// memory → local, half way: every case touches keys on both kinds of backend, presigning
// included (memory's presign server and the local server share one manual clock).
const SECRET = 'hybrid-conformance-secret-0123456789';
const MEMORY_SECRET = 'hybrid-conformance-memory-secret-0123';
const clock = new ManualClock(new Date());
let memoryServer: MemoryPresignServer | undefined;
let localServer: ListeningLocalServer | undefined;
let root: string | undefined;

describeObjectStoreConformance({
  name: 'hybrid memory+local at 50%',
  clock,
  largeObjectBytes: 16 * 1024 * 1024,
  secrets: [SECRET, MEMORY_SECRET],
  async create() {
    root = await mkdtemp(join(tmpdir(), 'stowage-hybrid-conf-'));
    let memory: MemoryObjectStore | undefined;
    memoryServer = await createMemoryPresignServer(() => memory);
    memory = new MemoryObjectStore({ clock, presignBaseUrl: memoryServer.url, presignSecret: MEMORY_SECRET });
    let local: LocalObjectStore | undefined;
    localServer = await listenLocalServer({ store: () => local, secret: SECRET });
    local = new LocalObjectStore({ root, clock, signing: { secret: SECRET, baseUrl: localServer.url } });
    return new HybridObjectStore({
      from: memory,
      to: local,
      percentage: 50,
      jobs: new MemoryJobStateStore(),
      clock,
    });
  },
  async cleanup(store) {
    await (store as HybridObjectStore).close();
    await memoryServer?.close();
    await localServer?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  },
});
