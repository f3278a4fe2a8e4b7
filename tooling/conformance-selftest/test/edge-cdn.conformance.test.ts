import { createMemoryPresignServer, MemoryObjectStore, type MemoryPresignServer } from '@stowage/memory';
import { type CdnEdge, describeCdnConformance } from '@stowage/testkit';
import { EdgeCdn, type EdgeCdnOptions } from './support/edge-cdn.js';

// The purge cases need a CDN whose cache the suite can see: the reference EdgeCdn purges at
// the suite's edge, which caches. Two declarations: prefix purge, and keys only.
function describeEdgeCdn(name: string, options: EdgeCdnOptions): void {
  let origin: MemoryPresignServer | undefined;
  describeCdnConformance({
    name,
    secrets: options.token === undefined ? [] : [options.token],
    async create(edge: CdnEdge) {
      const store = new MemoryObjectStore();
      origin = await createMemoryPresignServer(store);
      return {
        cdn: new EdgeCdn(edge, options),
        originUrl: origin.url,
        publish: async (key, bytes) => void (await store.put(key, bytes, { visibility: 'public' })),
        unpublish: (key) => store.delete(key),
        purgeReachesEdge: true,
      };
    },
    cleanup: () => origin?.close(),
  });
}

describeEdgeCdn('edge-cdn (purge by keys and prefix)', { token: 'edge-cdn-token-5b1f0c' });
describeEdgeCdn('edge-cdn (purge by keys only)', { purgePrefix: false });
