import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCdnConformance } from '@stowage/testkit';
import { LocalCdn } from './local-cdn.js';
import { LocalObjectStore } from './local-object-store.js';
import { type ListeningLocalServer, listenLocalServer } from './local-server.js';

// The origin is a real local server over a temp root: public objects are served by their key
// path. LocalCdn reads through the suite's edge (its base URL), which forwards there. Local mode
// has no cache, so the edge caches nothing and purge cases check that reads see current bytes.
let server: ListeningLocalServer | undefined;
let root: string | undefined;

describeCdnConformance({
  name: 'local-cdn (local server)',
  async create(edge) {
    root = await mkdtemp(join(tmpdir(), 'stowage-local-cdn-conf-'));
    const store = new LocalObjectStore({ root, fsync: false });
    server = await listenLocalServer({ store });
    return {
      cdn: new LocalCdn({ baseUrl: edge.url }),
      originUrl: server.url,
      publish: async (key, bytes) => {
        await store.put(key, bytes, { visibility: 'public' });
      },
      unpublish: (key) => store.delete(key),
    };
  },
  async cleanup() {
    await server?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  },
});
