import { isStorageError, type RolloutSnapshot, type RolloutState, type StorageError } from '@stowage/core';
import { expect } from 'vitest';
import {
  type CaseRegistry,
  type Category,
  caseNames,
  describePortSuite,
  type PortCase,
  type PortConformanceOptions,
} from '../helpers/port-suite.js';

export interface RolloutStateConformanceOptions extends PortConformanceOptions<RolloutState> {
  /** Another instance over the same state (another process's). Without it those cases skip. */
  createPeer?(): RolloutState | Promise<RolloutState>;
  /** The longest a change may take to reach a watcher; default 3000 ms. */
  propagationMs?: number;
}

type RolloutCase = PortCase<RolloutState, RolloutStateConformanceOptions>;

/** A rollout name from the case's namespace (names are letters, digits, ".", "_" and "-"). */
const nameOf = (ns: string, suffix = 'r') => `${ns.replace(/[^A-Za-z0-9._-]/g, '-').slice(-100)}-${suffix}`;

async function kindOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return isStorageError(error) ? (error as StorageError).kind : `foreign: ${String(error)}`;
  }
}

/** Waits until `check` holds, or fails after `ms`. */
async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) expect.fail(`${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function registerValueCases(cases: CaseRegistry<RolloutCase>): void {
  cases.case('an unknown rollout reads as null', async ({ port, ns }) => {
    expect(await port.get(nameOf(ns))).toBeNull();
  });

  cases.case('every set bumps the version and get reads the latest', async ({ port, ns }) => {
    const name = nameOf(ns);
    const first = await port.set(name, 10);
    expect([first.name, first.percentage, first.version]).toEqual([name, 10, 1]);
    expect(first.updatedAt).toBeInstanceOf(Date);
    const second = await port.set(name, 50);
    expect([second.percentage, second.version]).toEqual([50, 2]);
    expect(await port.get(name)).toMatchObject({ name, percentage: 50, version: 2 });
  });

  cases.case('expectedVersion makes set a compare-and-swap (0: must not exist)', async ({ port, ns }) => {
    const name = nameOf(ns);
    await port.set(name, 10, { expectedVersion: 0 });
    expect(await kindOf(() => port.set(name, 20, { expectedVersion: 0 }))).toBe('Conflict');
    expect(await kindOf(() => port.set(name, 20, { expectedVersion: 5 }))).toBe('Conflict');
    expect((await port.set(name, 20, { expectedVersion: 1 })).version).toBe(2);
    expect((await port.get(name))?.percentage).toBe(20);
  });

  cases.case('racing compare-and-swaps: exactly one wins each version', async ({ port, ns }) => {
    const name = nameOf(ns);
    await port.set(name, 0);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => kindOf(() => port.set(name, i * 10, { expectedVersion: 1 }))),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'Conflict')).toHaveLength(7);
    expect((await port.get(name))?.version).toBe(2);
  });

  cases.case(
    'bad percentages, names and versions are InvalidInput and change nothing',
    async ({ port, ns }) => {
      const name = nameOf(ns);
      await port.set(name, 30);
      for (const run of [
        () => port.set(name, -1),
        () => port.set(name, 101),
        () => port.set(name, 12.5),
        () => port.set('', 10),
        () => port.set('has space', 10),
        () => port.set(name, 10, { expectedVersion: -1 }),
      ]) {
        expect(await kindOf(run)).toBe('InvalidInput');
      }
      expect(await port.get(name)).toMatchObject({ percentage: 30, version: 1 });
    },
  );
}

function registerWatchCases(cases: CaseRegistry<RolloutCase>): void {
  cases.case(
    'a watcher hears the current value, then every change in version order, once each',
    async (c) => {
      const name = nameOf(c.ns);
      const ms = c.options.propagationMs ?? 3_000;
      await c.port.set(name, 5);
      const heard: RolloutSnapshot[] = [];
      const stop = c.port.watch(name, (s) => heard.push(s));
      try {
        await eventually(() => heard.length >= 1, ms, 'the current value was not heard');
        for (const p of [10, 50, 100]) await c.port.set(name, p);
        await eventually(() => heard.at(-1)?.percentage === 100, ms, 'the last change was not heard');
        const versions = heard.map((s) => s.version);
        expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
        expect(heard[0]!.percentage).toBe(5);
      } finally {
        stop();
      }
    },
  );

  cases.case('after stopping, a watcher hears nothing more', async (c) => {
    const name = nameOf(c.ns);
    const heard: number[] = [];
    const stop = c.port.watch(name, (s) => heard.push(s.percentage));
    await c.port.set(name, 10);
    await eventually(() => heard.includes(10), c.options.propagationMs ?? 3_000, 'the change was not heard');
    stop();
    await c.port.set(name, 20);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).not.toContain(20);
  });

  cases.case('a change made through another instance reaches a watcher in bounded time', async (c) => {
    if (c.options.createPeer === undefined)
      c.skip('has no peer instance over the same state (options.createPeer)');
    const peer = await c.options.createPeer!();
    const name = nameOf(c.ns);
    const ms = c.options.propagationMs ?? 3_000;
    const heard: number[] = [];
    const stop = c.port.watch(name, (s) => heard.push(s.percentage));
    try {
      const started = Date.now();
      await peer.set(name, 42);
      await eventually(() => heard.includes(42), ms, 'the peer’s change did not arrive');
      expect(Date.now() - started).toBeLessThanOrEqual(ms);
      expect((await c.port.get(name))?.percentage).toBe(42);
    } finally {
      stop();
      await peer.close();
    }
  });
}

const CATEGORIES: ReadonlyArray<Category<RolloutCase>> = [
  ['values and versions', registerValueCases],
  ['watching', registerWatchCases],
];

/** Registers the RolloutState contract: versioned values, compare-and-swap, watching, propagation. */
export function describeRolloutStateConformance(options: RolloutStateConformanceOptions): void {
  describePortSuite<RolloutState, RolloutStateConformanceOptions>(
    'RolloutState conformance',
    options,
    CATEGORIES,
    async () => {},
  );
}

export function rolloutStateConformanceCaseNames(): string[] {
  return caseNames(CATEGORIES);
}
