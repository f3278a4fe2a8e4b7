import { isStorageError } from '@stowage/core';
import { createMemoryPresignServer, MemoryObjectStore } from '@stowage/memory';
import { afterAll, describe, expect, it } from 'vitest';
import { servicesOnMemory } from '../services.test-support.js';
import { SERVICE_TOKENS } from '../tokens.js';
import type { AccessUrls } from './access-urls.js';

let store!: MemoryObjectStore;
const server = await createMemoryPresignServer(() => store);
store = new MemoryObjectStore({ presignBaseUrl: server.url });
afterAll(() => server.close());

describe('AccessUrls', () => {
  it('presigns within bounds, caps uploads and audits every URL', async () => {
    const { container, audit } = servicesOnMemory(
      { accessUrls: { maxExpirySeconds: 600, defaultMaxUploadBytes: 4 } },
      () => store,
    );
    const urls = container.resolve<AccessUrls>(SERVICE_TOKENS.AccessUrls);
    await store.put('doc.txt', 'hello');
    const get = await urls.download('doc.txt', { actor: 'ann', filename: 'Résumé.txt' });
    const res = await fetch(get.url);
    expect(await res.text()).toBe('hello');
    expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''R%C3%A9sum%C3%A9.txt");
    const put = await urls.upload('in/up.txt', { actor: 'ann' });
    expect(put.maxSize).toBe(4);
    expect((await fetch(put.url, { method: 'PUT', body: 'too long' })).status).toBe(413);
    expect((await fetch(put.url, { method: 'PUT', body: 'fits' })).status).toBe(200);
    const tooLong = await urls.download('doc.txt', { expiresIn: 601 }).catch((e: unknown) => e);
    expect(isStorageError(tooLong, 'InvalidInput')).toBe(true);
    const events = await audit.query({ actor: 'ann' });
    expect(events.items.map((e) => [e.action, e.details?.method])).toEqual([
      ['presign', 'presignGet'],
      ['presign', 'presignPut'],
    ]);
  });
});
