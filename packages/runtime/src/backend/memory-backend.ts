import { BaseUrlCdn } from '@stowage/cdn';
import { createObjectRequestHandler } from '@stowage/kit';
import { createMemoryPresignServer, MemoryObjectStore, memoryUploadSessions } from '@stowage/memory';
import type { Backend, BackendContext, FileServer } from './backend.js';
import { DEFAULT_HOST, FILES_PATH, publicBaseUrl } from './file-server-address.js';

/**
 * Memory mode: nothing outlives the process. Objects are served (public ones and presigned
 * URLs) like local mode's, so code using URLs runs unchanged in tests.
 */
export async function memoryBackend(context: BackendContext): Promise<Backend> {
  const { config, clock } = context;
  let store: MemoryObjectStore | undefined;
  let files: FileServer;
  let close = async () => {};
  if (context.files === 'listen') {
    // Port 0 unless configured: a memory runtime is usually a test's, and tests run side by side.
    const server = await createMemoryPresignServer(() => store, {
      host: config.server?.host ?? DEFAULT_HOST,
      port: config.server?.port ?? 0,
    });
    store = new MemoryObjectStore({ clock, presignBaseUrl: server.url });
    files = {
      url: server.url,
      handler: server.server.listeners('request')[0] as FileServer['handler'],
      listening: true,
    };
    close = () => server.close();
  } else {
    const url = publicBaseUrl(config) + FILES_PATH;
    const mounted = new MemoryObjectStore({ clock, presignBaseUrl: url });
    store = mounted;
    files = {
      url,
      handler: createObjectRequestHandler({
        store: () => mounted,
        signer: () => mounted.urlSigner,
        clock: () => mounted.clock,
        basePath: new URL(url).pathname,
      }),
      listening: false,
    };
  }
  return {
    store,
    cdn: new BaseUrlCdn({ baseUrl: files.url, name: 'memory-cdn' }),
    bucketAdmin: { admin: null, bucket: 'memory' },
    uploadSessions: memoryUploadSessions(store, { jobs: context.database.jobs, clock }),
    files,
    close,
  };
}
