import { join } from 'node:path';
import type { Secret } from '@stowage/kit';
import {
  createLocalRequestHandler,
  LocalCdn,
  LocalObjectStore,
  listenLocalServer,
  localUploadSessions,
} from '@stowage/local';
import type { Backend, BackendContext, FileServer } from './backend.js';
import { DEFAULT_HOST, DEFAULT_PORT, FILES_PATH, publicBaseUrl } from './file-server-address.js';
import { loadOrCreateSigningKey } from './signing-key.js';

/**
 * Local mode: objects as files under `<dataDir>/objects`, served (public objects and signed
 * URLs) by the local server, whose URLs the local CDN gives out; parts of resumable uploads
 * wait in `<dataDir>/uploads`. The signing key is the configured one or `<dataDir>/signing.key`.
 */
export async function localBackend(context: BackendContext): Promise<Backend> {
  const { config, dataDir, clock } = context;
  const root = config.local?.root ?? join(dataDir, 'objects');
  const secret: Secret =
    config.local?.signingSecret ?? (await loadOrCreateSigningKey(join(dataDir, 'signing.key')));
  let store: LocalObjectStore | undefined;
  const build = (url: string) =>
    new LocalObjectStore({
      root,
      clock,
      publicBaseUrl: url,
      signing: { secret, baseUrl: url },
      fsync: config.local?.fsync ?? true,
    });

  let files: FileServer;
  let stopListening = async () => {};
  if (context.files === 'listen') {
    const server = await listenLocalServer({
      store: () => store,
      host: config.server?.host ?? DEFAULT_HOST,
      port: config.server?.port ?? DEFAULT_PORT,
    });
    store = build(server.url);
    files = {
      url: server.url,
      handler: server.server.listeners('request')[0] as FileServer['handler'],
      listening: true,
    };
    stopListening = () => server.close();
  } else {
    const url = publicBaseUrl(config) + FILES_PATH;
    store = build(url);
    files = { url, handler: createLocalRequestHandler({ store }), listening: false };
  }

  return {
    store,
    cdn: new LocalCdn({ baseUrl: files.url }),
    bucketAdmin: { admin: null, bucket: 'local' },
    uploadSessions: localUploadSessions(store, {
      stagingRoot: join(dataDir, 'uploads'),
      jobs: context.database.jobs,
      clock,
    }),
    files,
    close: stopListening,
  };
}
