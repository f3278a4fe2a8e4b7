import { createMemoryPresignServer, MemoryObjectStore, type MemoryPresignServer } from '@stowage/memory';
import { describeCdnConformance } from '@stowage/testkit';
import { BaseUrlCdn } from './base-url-cdn.js';

// The origin is a memory store's object server, which serves public objects by key path; the
// CDN reads through the suite's edge, which forwards to it (or fails on purpose).
let origin: MemoryPresignServer | undefined;

describeCdnConformance({
  name: 'base-url',
  async create(edge) {
    const store = new MemoryObjectStore();
    origin = await createMemoryPresignServer(store);
    return {
      cdn: new BaseUrlCdn({ baseUrl: edge.url, name: 'base-url-cdn' }),
      originUrl: origin.url,
      publish: async (key, bytes) => {
        await store.put(key, bytes, { visibility: 'public' });
      },
      unpublish: (key) => store.delete(key),
    };
  },
  async cleanup() {
    await origin?.close();
  },
});
