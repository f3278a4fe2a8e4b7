import { type AuditLog, NoopLogger, TOKENS } from '@stowage/core';
import { Secret } from '@stowage/kit';
import {
  ManualClock,
  MemoryAuditLog,
  MemoryJobStateStore,
  MemoryMetadataRepository,
  MemoryObjectStore,
} from '@stowage/memory';
import { type DependencyContainer, container as root } from 'tsyringe';
import { registerServices, type ServicesConfig } from './register-services.js';

/** A child container with memory ports and the services, as the runtime builds one. */
export function servicesOnMemory(
  config: ServicesConfig = {},
  makeStore: (clock: ManualClock) => MemoryObjectStore = (clock) => new MemoryObjectStore({ clock }),
) {
  const clock = new ManualClock(new Date('2026-06-01T00:00:00Z'));
  const store = makeStore(clock);
  const container: DependencyContainer = root.createChildContainer();
  const audit: AuditLog = new MemoryAuditLog({ clock });
  const metadata = new MemoryMetadataRepository({ clock });
  const jobs = new MemoryJobStateStore({ clock });
  container.register(TOKENS.ObjectStore, { useValue: store });
  container.register(TOKENS.Clock, { useValue: clock });
  container.register(TOKENS.Logger, { useValue: new NoopLogger() });
  container.register(TOKENS.AuditLog, { useValue: audit });
  container.register(TOKENS.MetadataRepository, { useValue: metadata });
  container.register(TOKENS.JobStateStore, { useValue: jobs });
  registerServices(container, {
    storage: { retry: { baseDelayMs: 1, maxDelayMs: 2 } },
    apiKeys: { secret: new Secret('test-server-secret-0123456789') },
    ...config,
  });
  return { container, store, clock, audit, metadata, jobs };
}
