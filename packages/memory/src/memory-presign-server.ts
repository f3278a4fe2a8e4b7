import {
  createObjectRequestHandler,
  type ListeningServer,
  type ListenOptions,
  listenHttp,
} from '@stowage/kit';
import type { MemoryObjectStore } from './memory-object-store.js';

export type MemoryPresignServer = ListeningServer;

/**
 * Serves a MemoryObjectStore over HTTP with the kit's object server: presigned GET, HEAD
 * (with Range and conditional requests) and PUT, plus public objects. Tampered or expired
 * URLs get 403, missing objects 404.
 *
 * The store needs the server's URL and the server needs the store, so `store` may be a
 * function that returns it once it exists:
 * ```ts
 * let store!: MemoryObjectStore;
 * const server = await createMemoryPresignServer(() => store);
 * store = new MemoryObjectStore({ presignBaseUrl: server.url });
 * ```
 */
export function createMemoryPresignServer(
  store: MemoryObjectStore | (() => MemoryObjectStore | undefined),
  options: ListenOptions = {},
): Promise<MemoryPresignServer> {
  const resolve = typeof store === 'function' ? store : () => store;
  const handler = createObjectRequestHandler({
    store: resolve,
    signer: () => resolve()?.urlSigner,
    clock: () => resolve()?.clock,
  });
  return listenHttp(handler, options);
}
