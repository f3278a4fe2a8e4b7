import { readText } from '@stowage/core';
import { expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';
import { MemoryObjectStore } from './memory-object-store.js';
import { createMemoryPresignServer } from './memory-presign-server.js';

it('smoke', async () => {
  const clock = new ManualClock();
  let store!: MemoryObjectStore;
  const server = await createMemoryPresignServer(() => store);
  store = new MemoryObjectStore({ clock, presignBaseUrl: server.url });
  try {
    const info = await store.put('a/b c.txt', 'hello');
    expect(info.contentType).toBe('text/plain; charset=utf-8');
    expect(await readText(await store.get('a/b c.txt'))).toBe('hello');
    const url = await store.presignGet('a/b c.txt', { expiresIn: 60 });
    const r = await fetch(url, { headers: { range: 'bytes=1-2' } });
    expect(r.status).toBe(206);
    expect(await r.text()).toBe('el');
    const put = await store.presignPut('x/y#?.bin', { expiresIn: 60, contentType: 'application/x-test' });
    const pr = await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'up' });
    expect(pr.status).toBe(200);
    expect((await store.head('x/y#?.bin')).contentType).toBe('application/x-test');
    clock.advance(61_000);
    expect((await fetch(url)).status).toBe(403);
    const page = await store.listPage({ delimiter: '/' });
    expect(page.prefixes).toEqual(['a/', 'x/']);
  } finally {
    await server.close();
  }
});
