import 'reflect-metadata';
import { type Clock, type ObjectStore, readText, TOKENS } from '@stowage/core';
import { inject, injectable, container as root } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';
import { MemoryObjectStore } from './memory-object-store.js';
import { registerMemory } from './register-memory.js';

@injectable()
class Greeter {
  constructor(
    @inject(TOKENS.ObjectStore) private readonly store: ObjectStore,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  async greet(name: string): Promise<string> {
    await this.store.put(`greetings/${name}.txt`, `hello ${name} at ${this.clock.now().toISOString()}`);
    return readText(await this.store.get(`greetings/${name}.txt`));
  }
}

describe('registerMemory', () => {
  it('registers every port in a real tsyringe container, sharing one clock', async () => {
    const container = root.createChildContainer();
    const clock = new ManualClock(new Date('2026-01-02T03:04:05Z'));
    const registration = registerMemory(container, { clock });
    expect(container.resolve(TOKENS.ObjectStore)).toBeInstanceOf(MemoryObjectStore);
    expect(container.resolve(TOKENS.MetadataRepository)).toBe(registration.metadata);
    expect(container.resolve(TOKENS.AuditLog)).toBe(registration.audit);
    expect(container.resolve(TOKENS.JobStateStore)).toBe(registration.jobs);
    expect(await container.resolve(Greeter).greet('ann')).toBe('hello ann at 2026-01-02T03:04:05.000Z');
  });

  it('registers nothing when the options are invalid', () => {
    const container = root.createChildContainer();
    expect(() => registerMemory(container, { maxObjectSize: -1 })).toThrow(/maxObjectSize/);
    expect(container.isRegistered(TOKENS.ObjectStore)).toBe(false);
  });
});
