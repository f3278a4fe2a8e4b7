import type { LifecycleRule } from '@stowage/core';
import { expect } from 'vitest';
import { expectStorageError } from '../../object-store/assertions.js';
import type { BucketCase, BucketCases } from '../harness.js';

function requireLifecycle({ admin, skip }: BucketCase): void {
  if (!admin.supportsLifecycle) skip('does not support lifecycle rules (supportsLifecycle is false)');
}

const byId = (rules: LifecycleRule[]) => [...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

export function registerLifecycleCases(cases: BucketCases): void {
  cases.case('a new bucket has no lifecycle rules', async (ctx) => {
    requireLifecycle(ctx);
    const name = ctx.bucket('lc-new');
    await ctx.admin.createBucket(name);
    expect(await ctx.admin.getLifecycleRules(name)).toEqual([]);
  });

  cases.case('setLifecycleRules replaces the rules, and an empty list clears them', async (ctx) => {
    requireLifecycle(ctx);
    const { admin } = ctx;
    const name = ctx.bucket('lc-set');
    await admin.createBucket(name);
    const first: LifecycleRule[] = [
      { id: 'expire-tmp', prefix: 'tmp/', expireAfterDays: 1 },
      { id: 'expire-logs', prefix: 'logs/2024/', expireAfterDays: 30 },
    ];
    await admin.setLifecycleRules(name, first);
    expect(byId(await admin.getLifecycleRules(name))).toEqual(byId(first));
    const second: LifecycleRule[] = [{ id: 'expire-cache', prefix: 'cache/', expireAfterDays: 365 }];
    await admin.setLifecycleRules(name, second);
    expect(await admin.getLifecycleRules(name)).toEqual(second);
    await admin.setLifecycleRules(name, []);
    expect(await admin.getLifecycleRules(name)).toEqual([]);
  });

  cases.case(
    'a rule with a non-positive day count or a bad prefix is refused and changes nothing',
    async (ctx) => {
      requireLifecycle(ctx);
      const { admin } = ctx;
      const name = ctx.bucket('lc-bad');
      await admin.createBucket(name);
      const kept: LifecycleRule[] = [{ id: 'keep', prefix: 'tmp/', expireAfterDays: 2 }];
      await admin.setLifecycleRules(name, kept);
      for (const days of [0, -1, 1.5, Number.NaN]) {
        await expectStorageError(
          () => admin.setLifecycleRules(name, [{ id: 'bad', prefix: 'x/', expireAfterDays: days }]),
          'InvalidInput',
        );
      }
      // The port says InvalidInput; a bad prefix is InvalidKey everywhere else (assertValidPrefix).
      for (const prefix of ['/abs', 'a//b', '../up', 'back\\slash']) {
        await expectStorageError(
          () => admin.setLifecycleRules(name, [{ id: 'bad', prefix, expireAfterDays: 1 }]),
          ['InvalidInput', 'InvalidKey'],
        );
      }
      expect(await admin.getLifecycleRules(name)).toEqual(kept);
    },
  );

  cases.case('lifecycle calls are Unsupported where lifecycle is not supported', async (ctx) => {
    const { admin } = ctx;
    if (admin.supportsLifecycle) ctx.skip('supports lifecycle rules: nothing to refuse');
    const name = ctx.bucket('lc-none');
    await admin.createBucket(name);
    await expectStorageError(() => admin.getLifecycleRules(name), 'Unsupported');
    await expectStorageError(
      () => admin.setLifecycleRules(name, [{ id: 'x', prefix: 'tmp/', expireAfterDays: 1 }]),
      'Unsupported',
    );
    await expectStorageError(() => admin.setLifecycleRules(name, []), 'Unsupported');
  });
}
