import { randomBytes } from 'node:crypto';
import type { Cdn, CdnCapabilities } from '@stowage/core';
import { it, type TestContext } from 'vitest';
import { type CaseFn, type CaseRegistry, caseArgs } from '../helpers/port-suite.js';
import type { CdnEdge } from './cdn-edge.js';
import type { CdnConformanceOptions, CdnTarget } from './options.js';

/** What every Cdn case gets. */
export interface CdnCase {
  cdn: Cdn;
  target: CdnTarget;
  edge: CdnEdge;
  options: CdnConformanceOptions;
  /** A key under this case's own prefix. */
  key(name: string): string;
  /** Publishes bytes (a string is UTF-8) under `key`; unpublished after the case. */
  publish(key: string, bytes: Uint8Array | string): Promise<Uint8Array>;
  /** The fetch that reaches public URLs (the target's, else the global one). */
  fetch: typeof fetch;
  test: TestContext;
  skip(reason: string): never;
}

export type Requirement = readonly [capability: keyof CdnCapabilities, why: string];

export interface CdnCaseOptions {
  /** Capabilities the case needs; a missing one skips it with the reason given. */
  requires?: readonly Requirement[];
  /** Capabilities whose presence makes the case meaningless. */
  excludes?: readonly Requirement[];
  timeout?: number;
}

export type CdnCases = CaseRegistry<CdnCase> & {
  case(name: string, options: CdnCaseOptions, fn: CaseFn<CdnCase>): void;
};

/**
 * Registers Cdn cases. Each case publishes under a prefix of its own (random run id + case
 * index), its edge faults are cleared and its objects unpublished afterwards.
 */
export class CdnHarness implements CdnCases {
  target: CdnTarget | undefined;
  edge: CdnEdge | undefined;
  private index = 0;
  private readonly runPrefix: string;

  constructor(readonly options: CdnConformanceOptions) {
    this.runPrefix = `stowage-cdn-conformance/${randomBytes(5).toString('hex')}/`;
  }

  case(name: string, fn: CaseFn<CdnCase>): void;
  case(name: string, options: CdnCaseOptions, fn: CaseFn<CdnCase>): void;
  case(name: string, optionsOrFn: CdnCaseOptions | CaseFn<CdnCase>, maybeFn?: CaseFn<CdnCase>): void {
    const [caseOptions, fn] = caseArgs<CdnCase>(optionsOrFn, maybeFn) as [CdnCaseOptions, CaseFn<CdnCase>];
    const prefix = `${this.runPrefix}${String(this.index++).padStart(3, '0')}/`;
    it(
      name,
      async (test) => {
        const { target, edge } = this;
        if (target === undefined || edge === undefined)
          throw new Error('conformance: the CDN was not created (did create() fail?)');
        const cdn = target.cdn;
        const skip = (reason: string): never => test.skip(`${cdn.name} ${reason}`);
        for (const [cap, why] of caseOptions.requires ?? [])
          if (!cdn.capabilities[cap]) skip(`lacks ${cap}: ${why}`);
        for (const [cap, why] of caseOptions.excludes ?? [])
          if (cdn.capabilities[cap]) skip(`has ${cap}: ${why}`);
        const published = new Set<string>();
        const ctx: CdnCase = {
          cdn,
          target,
          edge,
          options: this.options,
          key: (n) => prefix + n,
          publish: async (key, bytes) => {
            const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
            published.add(key);
            await target.publish(key, data);
            return data;
          },
          fetch: target.fetch ?? globalThis.fetch,
          test,
          skip,
        };
        try {
          await fn(ctx);
        } finally {
          edge.clearFaults(prefix);
          for (const key of published) await target.unpublish?.(key).catch(() => undefined);
        }
      },
      caseOptions.timeout,
    );
  }
}
