import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@stowage/memory';
import { describeObjectStoreConformance } from '@stowage/testkit';
import { LocalObjectStore } from './local-object-store.js';
import { type ListeningLocalServer, listenLocalServer } from './local-server.js';

const SECRET = 'conformance-secret-0123456789abcdef';
const clock = new ManualClock(new Date());
let server: ListeningLocalServer | undefined;
let root: string | undefined;

// The full store: a temp root, presigning verified by the local server, a manual clock.
describeObjectStoreConformance({
  name: 'local',
  clock,
  secrets: [SECRET],
  create: async () => {
    root = await mkdtemp(join(tmpdir(), 'stowage-local-conf-'));
    let store: LocalObjectStore | undefined;
    server = await listenLocalServer({ store: () => store });
    store = new LocalObjectStore({ root, clock, signing: { secret: SECRET, baseUrl: server.url } });
    return store;
  },
  cleanup: async () => {
    await server?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  },
});

// Without signing: presign cases must report Unsupported (and skip the HTTP ones). No secret
// is configured here; the secrets case still runs (rather than skipping) and shows this
// store's printouts and errors carry none.
describeObjectStoreConformance({
  name: 'local (no signing, no fsync)',
  secrets: [SECRET],
  create: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-local-conf2-'));
    return new LocalObjectStore({ root: dir, fsync: false });
  },
  cleanup: async (store) => {
    await rm((store as LocalObjectStore).root, { recursive: true, force: true });
  },
  largeObjectBytes: 16 * 1024 * 1024,
});
