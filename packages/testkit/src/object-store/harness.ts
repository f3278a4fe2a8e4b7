import { randomBytes } from 'node:crypto';
import { type Capabilities, isCommonPrefix, type ObjectStore } from '@stowage/core';
import { it, type TestContext } from 'vitest';
import type { ObjectStoreConformanceOptions } from './options.js';

/** What every case gets: the shared store and a key space of its own. */
export interface CaseContext {
  readonly store: ObjectStore;
  readonly caps: Capabilities;
  readonly options: ObjectStoreConformanceOptions;
  /** This case's private prefix, ending in "/". */
  readonly prefix: string;
  /** A key under this case's prefix. */
  key(name: string): string;
  readonly fetch: typeof fetch;
  readonly test: TestContext;
  /** Skips the rest of the case at runtime, naming the backend and the reason. */
  skip(reason: string): never;
}

export type Requirement = readonly [capability: keyof Capabilities, why: string];

export interface CaseOptions {
  /** Capabilities the case needs; a missing one skips it with the reason given. */
  requires?: readonly Requirement[];
  /** Capabilities whose presence makes the case meaningless (e.g. "files and folders coexist"). */
  excludes?: readonly Requirement[];
  timeout?: number;
}

/**
 * Registers conformance cases. Each case gets a unique prefix (random run id + case index),
 * so cases never interfere and one store (one bucket) serves the whole suite; whatever a
 * case wrote under its prefix is deleted afterwards, best effort.
 */
export class Harness {
  private storeRef: ObjectStore | undefined;
  private index = 0;
  readonly runPrefix: string;

  constructor(readonly options: ObjectStoreConformanceOptions) {
    this.runPrefix = `${options.keyRoot ?? 'stowage-conformance'}/${randomBytes(5).toString('hex')}/`;
  }

  set store(store: ObjectStore | undefined) {
    this.storeRef = store;
  }

  /** The store, or undefined when create() has not run or failed. */
  get created(): ObjectStore | undefined {
    return this.storeRef;
  }

  get store(): ObjectStore {
    if (this.storeRef === undefined)
      throw new Error('conformance: the store was not created (did create() fail?)');
    return this.storeRef;
  }

  case(name: string, fn: (ctx: CaseContext) => Promise<void>): void;
  case(name: string, options: CaseOptions, fn: (ctx: CaseContext) => Promise<void>): void;
  case(
    name: string,
    optionsOrFn: CaseOptions | ((ctx: CaseContext) => Promise<void>),
    maybeFn?: (ctx: CaseContext) => Promise<void>,
  ): void {
    const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn;
    const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn!;
    const prefix = `${this.runPrefix}${String(this.index++).padStart(3, '0')}/`;
    it(
      name,
      async (context) => {
        const store = this.store;
        const caps = store.capabilities;
        const skip = (reason: string): never => context.skip(`${store.name} ${reason}`);
        for (const [cap, why] of options.requires ?? []) {
          if (!caps[cap]) skip(`lacks ${cap}: ${why}`);
        }
        for (const [cap, why] of options.excludes ?? []) {
          if (caps[cap]) skip(`has ${cap}: ${why}`);
        }
        const named = new Set<string>();
        const ctx: CaseContext = {
          store,
          caps,
          options: this.options,
          prefix,
          key: (n: string) => {
            const key = prefix + n;
            named.add(key);
            return key;
          },
          fetch: this.options.fetch ?? globalThis.fetch,
          test: context,
          skip,
        };
        try {
          await fn(ctx);
        } finally {
          // Bounded: a store that hangs (say on a key an aborted write left locked) must fail
          // this case, not stall the rest of the suite.
          await withDeadline(cleanupPrefix(store, prefix, named), CLEANUP_DEADLINE_MS);
        }
      },
      options.timeout,
    );
  }
}

const CLEANUP_DEADLINE_MS = 20_000;

async function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Deletes what a case left under its prefix; failures are ignored so they never mask the case's own result. */
async function cleanupPrefix(store: ObjectStore, prefix: string, named: Set<string>): Promise<void> {
  const keys = new Set(named);
  try {
    for await (const entry of store.list({ prefix })) {
      if (!isCommonPrefix(entry)) keys.add(entry.key);
    }
  } catch {
    // Listing is under test too; fall back to the keys the case named.
  }
  if (keys.size === 0) return;
  try {
    await store.deleteMany(keys);
  } catch {
    // Best effort.
  }
}
