import { TOKENS, type ValueContainer } from '@stowage/core';
import { HybridObjectStore, type HybridObjectStoreOptions } from './hybrid-object-store.js';

/**
 * Registers a `HybridObjectStore` over two already-built stores as `TOKENS.ObjectStore`.
 * Pass the container's `JobStateStore` as `jobs` so pending cleanups survive restarts.
 * @throws InvalidInput for a percentage outside 0–100; nothing is registered then.
 */
export function registerHybrid(
  container: ValueContainer,
  options: HybridObjectStoreOptions,
): HybridObjectStore {
  const store = new HybridObjectStore(options);
  container.register(TOKENS.ObjectStore, { useValue: store });
  return store;
}
