import { TOKENS, type ValueContainer } from '@stowage/core';
import type { HybridStoreConfig } from './hybrid-config.js';
import { HybridObjectStore } from './hybrid-object-store.js';

/**
 * Registers a `HybridObjectStore` over two already-built stores as `TOKENS.ObjectStore`.
 * Pass the container's `JobStateStore` as `jobs` so pending cleanups survive restarts.
 * @throws ConfigInvalid for a bad configuration (a percentage outside 0–100, …); nothing is registered then.
 */
export function registerHybrid(container: ValueContainer, config: HybridStoreConfig): HybridObjectStore {
  const store = new HybridObjectStore(config);
  container.register(TOKENS.ObjectStore, { useValue: store });
  return store;
}
