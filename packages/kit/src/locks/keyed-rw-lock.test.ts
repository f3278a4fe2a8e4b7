import { describe, expect, it } from 'vitest';
import { KeyedRwLock } from './keyed-rw-lock.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedRwLock', () => {
  it('lets readers share and makes a writer wait for them', async () => {
    const lock = new KeyedRwLock();
    const r1 = await lock.acquire('k', false);
    const r2 = await lock.acquire('k', false);
    let writing = false;
    const w = lock.acquire('k', true).then((release) => {
      writing = true;
      return release;
    });
    await tick();
    expect(writing).toBe(false);
    r1();
    await tick();
    expect(writing).toBe(false);
    r2();
    (await w)();
    expect(writing).toBe(true);
    expect(lock.size).toBe(0);
  });

  it('is first come first served: a reader queued behind a writer waits', async () => {
    const lock = new KeyedRwLock();
    const order: string[] = [];
    const r1 = await lock.acquire('k', false);
    const w = lock.acquire('k', true).then((release) => {
      order.push('writer');
      return release;
    });
    const r2 = lock.acquire('k', false).then((release) => {
      order.push('reader 2');
      return release;
    });
    await tick();
    expect(order).toEqual([]);
    r1();
    (await w)();
    (await r2)();
    expect(order).toEqual(['writer', 'reader 2']);
  });

  it('keeps keys independent and releases idempotently', async () => {
    const lock = new KeyedRwLock();
    const a = await lock.acquire('a', true);
    const b = await lock.acquire('b', true);
    a();
    a();
    b();
    expect(lock.size).toBe(0);
  });

  it('acquireMany takes keys in a fixed order, so crossing callers do not deadlock', async () => {
    const lock = new KeyedRwLock();
    let done = 0;
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const keys = i % 2 === 0 ? ['x', 'y'] : ['y', 'x'];
        const release = await lock.acquireMany(keys.map((key) => ({ key, exclusive: true })));
        await tick();
        done++;
        release();
      }),
    );
    expect(done).toBe(50);
    expect(lock.size).toBe(0);
  });
});

describe('KeyedRwLock.acquire with a signal', () => {
  it('an aborted wait rejects with Aborted in context, and the lock it would have got is given back', async () => {
    const lock = new KeyedRwLock();
    const holder = await lock.acquire('k', true);
    const controller = new AbortController();
    const waiting = lock.acquire('k', true, controller.signal, { operation: 'lock', key: 'k' });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ kind: 'Aborted', operation: 'lock', key: 'k' });
    holder();
    // The abandoned waiter's grant is released at once: the next writer gets in.
    const next = lock.tryAcquire('k', true) ?? (await lock.acquire('k', true));
    next();
    expect(lock.tryAcquire('k', true)).toBeDefined();
  });

  it('a timed-out signal is Timeout; an already-aborted one rejects before queueing', async () => {
    const lock = new KeyedRwLock();
    const holder = await lock.acquire('k', false);
    await expect(lock.acquire('k', true, AbortSignal.timeout(10))).rejects.toMatchObject({ kind: 'Timeout' });
    await expect(lock.acquire('k', true, AbortSignal.abort())).rejects.toMatchObject({ kind: 'Aborted' });
    holder();
    const release = await lock.acquire('k', true, new AbortController().signal);
    release();
  });
});
