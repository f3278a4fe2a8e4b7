import { isStorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { servicesOnMemory } from '../services.test-support.js';
import { SERVICE_TOKENS } from '../tokens.js';
import type { JsonDocuments } from './json-documents.js';

const counter = z.object({ count: z.number().int(), writers: z.array(z.string()) });

describe('JsonDocuments', () => {
  it('a missing document is null; a document round-trips through its schema', async () => {
    const { container } = servicesOnMemory();
    const docs = container.resolve<JsonDocuments>(SERVICE_TOKENS.JsonDocuments);
    expect(await docs.read('state/counter.json', counter)).toBeNull();
    await docs.write('state/counter.json', { count: 1, writers: ['a'] }, counter);
    expect(await docs.read('state/counter.json', counter)).toEqual({ count: 1, writers: ['a'] });
  });

  it('invalid JSON and schema mismatches are InvalidInput naming the path; nothing invalid is written', async () => {
    const { container, store } = servicesOnMemory();
    const docs = container.resolve<JsonDocuments>(SERVICE_TOKENS.JsonDocuments);
    await store.put('bad.json', '{not json');
    await store.put('wrong.json', '{"count":"many","writers":[]}');
    const a = await docs.read('bad.json', counter).catch((e: unknown) => e);
    const b = await docs.read('wrong.json', counter).catch((e: unknown) => e);
    expect(isStorageError(a, 'InvalidInput')).toBe(true);
    expect(isStorageError(b, 'InvalidInput') && b.message).toContain('count:');
    const c = await docs.write('x.json', { count: 1.5, writers: [] }, counter).catch((e: unknown) => e);
    expect(isStorageError(c, 'InvalidInput')).toBe(true);
    expect(await store.exists('x.json')).toBe(false);
  });

  it('environments get their own documents (seed 000: -dev, -test)', async () => {
    const { container, store } = servicesOnMemory({ keys: { environment: 'development' } });
    const docs = container.resolve<JsonDocuments>(SERVICE_TOKENS.JsonDocuments);
    await docs.write('config/flags.json', { count: 0, writers: [] }, counter);
    expect(await store.exists('config/flags-dev.json')).toBe(true);
    expect(await store.exists('config/flags.json')).toBe(false);
  });

  it('concurrent compare-and-swap updates lose none', async () => {
    const { container } = servicesOnMemory();
    const docs = container.resolve<JsonDocuments>(SERVICE_TOKENS.JsonDocuments);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        docs.update('state/counter.json', counter, (current) => ({
          count: (current?.count ?? 0) + 1,
          writers: [...(current?.writers ?? []), `w${i}`],
        })),
      ),
    );
    const final = await docs.read('state/counter.json', counter);
    expect(final?.count).toBe(25);
    expect(new Set(final?.writers).size).toBe(25);
  });
});
