import type { PurgeTarget } from '@stowage/core';
import { expect } from 'vitest';
import { expectStorageError } from '../../object-store/assertions.js';
import type { CdnCase, CdnCases, Requirement } from '../harness.js';

const PURGE: Requirement = ['purge', 'no purge API'];
const PURGE_PREFIX: Requirement = ['purgePrefix', 'no prefix purge'];

async function text(ctx: CdnCase, key: string): Promise<string> {
  return (await ctx.cdn.fetch(key)).text();
}

/**
 * Publishes v1 of `keys` and reads them through the CDN, then publishes v2. Where the purge
 * reaches the edge, the edge cached v1: reads still see it, which makes the purge provable.
 */
async function staleCopies(ctx: CdnCase, keys: readonly string[]): Promise<void> {
  for (const k of keys) await ctx.publish(k, `v1 of ${k}`);
  for (const k of keys) expect(await text(ctx, k), k).toBe(`v1 of ${k}`);
  for (const k of keys) await ctx.publish(k, `v2 of ${k}`);
  if (ctx.target.purgeReachesEdge === true) {
    for (const k of keys)
      expect(await text(ctx, k), `${k} is cached at the edge before the purge`).toBe(`v1 of ${k}`);
  }
}

async function expectCurrent(ctx: CdnCase, keys: readonly string[]): Promise<void> {
  for (const k of keys) expect(await text(ctx, k), `${k} after the purge`).toBe(`v2 of ${k}`);
}

export function registerPurgeCases(cases: CdnCases): void {
  cases.case('purge of keys: reads after it see the current bytes', { requires: [PURGE] }, async (ctx) => {
    const keys = [ctx.key('a.txt'), ctx.key('dir/b c.txt'), ctx.key('ü/😀')];
    await staleCopies(ctx, keys);
    await ctx.cdn.purge({ keys });
    await expectCurrent(ctx, keys);
  });

  cases.case(
    'purge of a prefix: reads after it see the current bytes',
    { requires: [PURGE_PREFIX] },
    async (ctx) => {
      const keys = [ctx.key('dir/a'), ctx.key('dir/sub/b'), ctx.key('dir/%_c')];
      await staleCopies(ctx, keys);
      await ctx.cdn.purge({ prefix: ctx.key('dir/') });
      await expectCurrent(ctx, keys);
    },
  );

  cases.case(
    'purge of everything: reads after it see the current bytes',
    { requires: [PURGE] },
    async (ctx) => {
      const keys = [ctx.key('all-a'), ctx.key('all/b')];
      await staleCopies(ctx, keys);
      await ctx.cdn.purge({ all: true });
      await expectCurrent(ctx, keys);
    },
  );

  cases.case('purge of no keys succeeds', { requires: [PURGE] }, async ({ cdn }) => {
    await expect(cdn.purge({ keys: [] })).resolves.toBeUndefined();
  });

  cases.case(
    'purge of an invalid key or prefix is InvalidKey and purges nothing',
    { requires: [PURGE] },
    async (ctx) => {
      const { cdn, edge } = ctx;
      const before = edge.invalidations.length;
      for (const bad of ['/abs', 'a//b', 'a/../b', 'back\\slash', '']) {
        await expectStorageError(() => cdn.purge({ keys: [ctx.key('fine.txt'), bad] }), 'InvalidKey').catch(
          (error: unknown) => {
            throw new Error(`key ${JSON.stringify(bad)}: ${(error as Error).message}`);
          },
        );
      }
      if (cdn.capabilities.purgePrefix) {
        for (const bad of ['/abs', 'a//b/', '../up/', 'back\\slash/']) {
          await expectStorageError(() => cdn.purge({ prefix: bad }), 'InvalidKey').catch((error: unknown) => {
            throw new Error(`prefix ${JSON.stringify(bad)}: ${(error as Error).message}`);
          });
        }
      }
      expect(edge.invalidations.length - before, 'invalidations that reached the edge').toBe(0);
    },
  );

  cases.case(
    'purge where no purge is declared is Unsupported, for every target',
    { excludes: [PURGE] },
    async (ctx) => {
      const targets: PurgeTarget[] = [{ keys: [ctx.key('a')] }, { prefix: ctx.key('') }, { all: true }];
      for (const target of targets) {
        await expectStorageError(() => ctx.cdn.purge(target), 'Unsupported').catch((error: unknown) => {
          throw new Error(`${JSON.stringify(target)}: ${(error as Error).message}`);
        });
      }
    },
  );

  cases.case(
    'a prefix purge where only key purge is declared is Unsupported',
    { requires: [PURGE], excludes: [PURGE_PREFIX] },
    async (ctx) => {
      await expectStorageError(() => ctx.cdn.purge({ prefix: ctx.key('dir/') }), 'Unsupported');
    },
  );
}
