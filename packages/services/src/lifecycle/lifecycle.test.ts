import { describe, expect, it } from 'vitest';
import { servicesOnMemory } from '../services.test-support.js';
import { SERVICE_TOKENS } from '../tokens.js';
import type { Lifecycle } from './lifecycle.js';

describe('Lifecycle', () => {
  it('without native rules, the sweeper expires what the clock says is old', async () => {
    const { container, store, clock } = servicesOnMemory();
    const lifecycle = container.resolve<Lifecycle>(SERVICE_TOKENS.Lifecycle);
    await store.put('tmp/old', 'x');
    expect(await lifecycle.apply([{ prefix: 'tmp/', days: 7 }])).toBe(false);
    clock.advance(6 * 86_400_000);
    expect((await lifecycle.sweep([{ prefix: 'tmp/', days: 7 }])).expired).toBe(0);
    await store.put('keep/x', 'x');
    clock.advance(2 * 86_400_000);
    const report = await lifecycle.sweep([{ prefix: 'tmp/', days: 7 }]);
    expect([report.examined, report.expired]).toEqual([1, 1]);
    expect(await store.exists('tmp/old')).toBe(false);
    expect(await store.exists('keep/x')).toBe(true);
    await expect(lifecycle.sweep([{ prefix: 'x/', days: 0 }])).rejects.toMatchObject({
      kind: 'InvalidInput',
    });
  });
});
