import {
  type Clock,
  type RolloutSnapshot,
  type RolloutState,
  StorageError,
  SystemClock,
} from '@stowage/core';
import { checkRolloutSet } from '@stowage/kit';

/** Rollout state for one process: changes reach watchers synchronously after `set`. */
export class MemoryRolloutState implements RolloutState {
  private readonly rollouts = new Map<string, RolloutSnapshot>();
  private readonly watchers = new Map<string, Set<(snapshot: RolloutSnapshot) => void>>();
  private readonly clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? new SystemClock();
  }

  async get(name: string): Promise<RolloutSnapshot | null> {
    checkRolloutSet(name, 0, undefined, { operation: 'get', backend: 'memory' });
    const found = this.rollouts.get(name);
    return found === undefined ? null : { ...found, updatedAt: new Date(found.updatedAt.getTime()) };
  }

  async set(
    name: string,
    percentage: number,
    options: { expectedVersion?: number } = {},
  ): Promise<RolloutSnapshot> {
    const ctx = { operation: 'set', backend: 'memory' };
    checkRolloutSet(name, percentage, options.expectedVersion, ctx);
    const current = this.rollouts.get(name);
    const version = current?.version ?? 0;
    if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
      throw new StorageError(
        'Conflict',
        `Rollout ${name} is at version ${version}, not ${options.expectedVersion}`,
        ctx,
      );
    }
    const next: RolloutSnapshot = { name, percentage, version: version + 1, updatedAt: this.clock.now() };
    this.rollouts.set(name, next);
    for (const listener of this.watchers.get(name) ?? []) listener({ ...next });
    return { ...next };
  }

  watch(name: string, listener: (snapshot: RolloutSnapshot) => void): () => void {
    let set = this.watchers.get(name);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(name, set);
    }
    set.add(listener);
    const current = this.rollouts.get(name);
    if (current !== undefined) queueMicrotask(() => listener({ ...current }));
    return () => {
      set.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.watchers.clear();
  }
}
