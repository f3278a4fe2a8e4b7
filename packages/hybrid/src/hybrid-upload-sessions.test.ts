import { isStorageError, readBytes } from '@stowage/core';
import { MemoryJobStateStore, MemoryObjectStore, memoryUploadSessions } from '@stowage/memory';
import { describe, expect, it } from 'vitest';
import { HybridObjectStore } from './hybrid-object-store.js';
import { HybridUploadSessions } from './hybrid-upload-sessions.js';

function setup(percentage: number) {
  const jobs = new MemoryJobStateStore();
  const from = new MemoryObjectStore();
  const to = new MemoryObjectStore();
  const store = new HybridObjectStore({ from, to, percentage, jobs });
  const sessions = new HybridUploadSessions({
    store,
    from: memoryUploadSessions(from, { jobs }),
    to: memoryUploadSessions(to, { jobs }),
  });
  return { from, to, store, sessions };
}

describe('HybridUploadSessions', () => {
  it('completes through the write protocol: the old copy on the other side goes', async () => {
    const { from, to, store, sessions } = setup(0);
    await store.put('doc', 'old, on from');
    store.setPercentage(100);
    const session = await sessions.create('doc');
    expect(session.id.startsWith('t~')).toBe(true);
    await sessions.uploadPart(session.id, 1, 'new, on to');
    await sessions.complete(session.id);
    expect((await readBytes(await to.get('doc'))).toString()).toBe('new, on to');
    expect(await from.exists('doc')).toBe(false);
    expect((await readBytes(await store.get('doc'))).toString()).toBe('new, on to');
    await store.close();
  });

  it('refuses to complete a session whose key moved sides meanwhile, and keeps it open', async () => {
    const { from, to, store, sessions } = setup(0);
    const session = await sessions.create('moving');
    await sessions.uploadPart(session.id, 1, 'bytes');
    store.setPercentage(100);
    let error: unknown;
    try {
      await sessions.complete(session.id);
    } catch (caught) {
      error = caught;
    }
    expect(isStorageError(error, 'Conflict')).toBe(true);
    expect(await from.exists('moving')).toBe(false);
    expect(await to.exists('moving')).toBe(false);
    expect(await sessions.get(session.id)).not.toBeNull();
    await sessions.abort(session.id);
    expect(await sessions.get(session.id)).toBeNull();
    await store.close();
  });

  it('holds both sides to the stricter limits', () => {
    const { store, sessions } = setup(50);
    expect(sessions.limits.minPartSize).toBe(1);
    const strict = new HybridUploadSessions({
      store,
      from: {
        ...memoryUploadSessions(new MemoryObjectStore()),
        limits: { minPartSize: 5, maxPartSize: 100, maxParts: 10 },
      } as never,
      to: memoryUploadSessions(new MemoryObjectStore()),
    });
    expect(strict.limits).toEqual({ minPartSize: 5, maxPartSize: 100, maxParts: 10 });
  });
});
