import { randomBytes } from 'node:crypto';
import type { BucketAdmin, ObjectStore } from '@stowage/core';
import { it, type TestContext } from 'vitest';
import { type CaseFn, type CaseOptions, type CaseRegistry, caseArgs } from '../helpers/port-suite.js';
import type { BucketAdminConformanceOptions } from './options.js';

export interface BucketCase {
  admin: BucketAdmin;
  options: BucketAdminConformanceOptions;
  /** A fresh, valid bucket name for this case (not created); deleted with `force` after the case. */
  bucket(label: string): string;
  /** This case's name stem: every bucket it names starts with it. */
  stem: string;
  /** A store on `bucket` (created by the case first), closed after the case. */
  open(bucket: string): Promise<ObjectStore>;
  test: TestContext;
  skip(reason: string): never;
}

export type BucketCases = CaseRegistry<BucketCase>;

/**
 * Registers BucketAdmin cases. Every case names its buckets under a stem of its own (run id
 * and case index), so cases never collide on a shared server; whatever a case created is
 * force-deleted afterwards, best effort.
 */
export class BucketHarness implements BucketCases {
  admin: BucketAdmin | undefined;
  private index = 0;
  private readonly run = randomBytes(3).toString('hex');

  constructor(readonly options: BucketAdminConformanceOptions) {}

  case(name: string, fn: CaseFn<BucketCase>): void;
  case(name: string, options: CaseOptions, fn: CaseFn<BucketCase>): void;
  case(name: string, optionsOrFn: CaseOptions | CaseFn<BucketCase>, maybeFn?: CaseFn<BucketCase>): void {
    const [caseOptions, fn] = caseArgs(optionsOrFn, maybeFn);
    const stem = `${this.options.bucketPrefix ?? 'stowage-conf'}-${this.run}-${String(this.index++).padStart(2, '0')}`;
    it(
      name,
      async (test) => {
        const admin = this.admin;
        if (admin === undefined)
          throw new Error('conformance: the BucketAdmin was not created (did create() fail?)');
        const named: string[] = [];
        const stores: ObjectStore[] = [];
        const ctx: BucketCase = {
          admin,
          options: this.options,
          stem,
          bucket: (label) => {
            const name = `${stem}-${label}`.toLowerCase();
            if (name.length > 63) throw new Error(`conformance: bucket name ${name} is over 63 characters`);
            named.push(name);
            return name;
          },
          open: async (bucket) => {
            const store = await this.options.openBucket(bucket);
            stores.push(store);
            return store;
          },
          test,
          skip: (reason) => test.skip(`${admin.name} ${reason}`),
        };
        try {
          await fn(ctx);
        } finally {
          for (const store of stores)
            await Promise.resolve(this.options.closeBucket?.(store)).catch(() => undefined);
          for (const name of named) {
            // Best effort: most were never created or are gone already.
            await admin.deleteBucket(name, { force: true }).catch(() => undefined);
          }
        }
      },
      caseOptions.timeout ?? 60_000,
    );
  }
}
