import 'reflect-metadata';
import { TOKENS } from '@stowage/core';
import { MemoryJobStateStore, MemoryObjectStore } from '@stowage/memory';
import { container as root } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { HybridObjectStore } from './hybrid-object-store.js';
import { registerHybrid } from './register-hybrid.js';

describe('registerHybrid', () => {
  it('registers the router as the ObjectStore of a real tsyringe container', async () => {
    const container = root.createChildContainer();
    const from = new MemoryObjectStore();
    const to = new MemoryObjectStore();
    const store = registerHybrid(container, { from, to, percentage: 100, jobs: new MemoryJobStateStore() });
    expect(container.resolve(TOKENS.ObjectStore)).toBe(store);
    expect(store).toBeInstanceOf(HybridObjectStore);
    await store.put('a/key.txt', 'x');
    expect(await to.exists('a/key.txt')).toBe(true);
    expect(await from.exists('a/key.txt')).toBe(false);
  });

  it('registers nothing for an invalid percentage', () => {
    const container = root.createChildContainer();
    expect(() =>
      registerHybrid(container, {
        from: new MemoryObjectStore(),
        to: new MemoryObjectStore(),
        percentage: 101,
      }),
    ).toThrow(/percentage/);
    expect(container.isRegistered(TOKENS.ObjectStore)).toBe(false);
  });
});
