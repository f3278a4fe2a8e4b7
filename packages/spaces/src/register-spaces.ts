import { TOKENS, type ValueContainer } from '@stowage/core';
import type { SpacesObjectStoreConfig } from './spaces-config.js';
import { SpacesObjectStore } from './spaces-object-store.js';

/**
 * Registers a `SpacesObjectStore` as `TOKENS.ObjectStore` and, when `cdn` is configured,
 * its `SpacesCdn` as `TOKENS.Cdn`. Returns the store (call `destroy()` on shutdown).
 * @throws ConfigInvalid naming the bad setting; nothing is registered then.
 */
export function registerSpaces(
  container: ValueContainer,
  config: SpacesObjectStoreConfig,
): SpacesObjectStore {
  const store = new SpacesObjectStore(config);
  container.register(TOKENS.ObjectStore, { useValue: store });
  if (store.cdn !== undefined) container.register(TOKENS.Cdn, { useValue: store.cdn });
  return store;
}
