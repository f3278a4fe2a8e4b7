import {
  abortedError,
  isStorageError,
  type Lease,
  type Locks,
  type Logger,
  type RolloutSnapshot,
  type RolloutState,
  StorageError,
} from '@stowage/core';
import type { RolloutMarkers } from './rollout-marker.js';

/** How operations of a rollout version coordinate: per-key locks, or none once the version is settled. */
export type RolloutMode = 'locked' | 'fast';

/** The rollout version this process operates at, with its shared version lease. */
interface Epoch {
  readonly version: number;
  readonly percentage: number;
  mode: RolloutMode;
  readonly lease: Lease;
  inflight: number;
  retired: boolean;
  idle: (() => void) | undefined;
}

/**
 * One operation's view of the rollout, fixed from its start to its end: the percentage it
 * routes with, whether it may take the fast path, and the signal that aborts when the
 * version lease was lost (the operation must then not be acknowledged).
 */
export interface Ticket {
  readonly percentage: number;
  readonly version: number | undefined;
  readonly fast: boolean;
  readonly lost: AbortSignal | undefined;
  done(): void;
}

export interface RolloutFollowerOptions {
  rollouts: RolloutState;
  name: string;
  locks: Locks;
  markers: RolloutMarkers;
  namespace: string;
  logger: Logger;
  fastPath: boolean;
  /** How often a process at an unsettled version looks for the Migrator's settled marker. */
  settledCheckMs: number;
  /** Seeds a rollout that was never set. */
  seedPercentage: number;
}

/** Lock name of a rollout version's gate. */
export function versionLockName(namespace: string, version: number): string {
  return `v:${namespace}:${version}`;
}

const RETRY_MS = 250;
const SLOW_DRAIN_WARN_MS = 5_000;

/**
 * The version barrier of a rollout shared by many processes (README, "Several processes").
 *
 * Every process operating at rollout version V holds a shared lock on V's gate for as long
 * as it operates at V. Adopting a newer version V':
 * 1. take V''s gate (shared), then re-read the rollout: if it moved on already, take that one;
 * 2. stop starting operations at V; wait for this process's operations at V to end; release V;
 * 3. drain every older version still possibly in use: take its gate exclusively and let go,
 *    which waits until every process has left it (each leaves on hearing V'); record the floor;
 * 4. operate at V' — on the fast path if the Migrator has already settled V'.
 * So once any process operates at V', no operation at an older version is in flight anywhere,
 * and none will start: all operations in flight across the fleet use one percentage.
 */
export class RolloutFollower {
  private current: Epoch | undefined;
  private target: RolloutSnapshot | undefined;
  private adopting: Promise<void> | undefined;
  private failure: unknown;
  private unwatch: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastSettledCheck = Number.NEGATIVE_INFINITY;
  private checkingSettled = false;
  private closed = false;

  constructor(private readonly o: RolloutFollowerOptions) {}

  start(): void {
    this.unwatch = this.o.rollouts.watch(this.o.name, (snapshot) => this.heard(snapshot));
    this.kick();
  }

  /** The percentage operations use now (the last version heard while none is adopted yet). */
  get percentage(): number | undefined {
    return this.current?.percentage ?? this.target?.percentage;
  }

  /** The adopted version, its percentage and mode; undefined before the first adoption. */
  get state(): { version: number; percentage: number; mode: RolloutMode } | undefined {
    const epoch = this.current;
    return epoch === undefined || epoch.retired
      ? undefined
      : { version: epoch.version, percentage: epoch.percentage, mode: epoch.mode };
  }

  /**
   * Admits one operation at the current version, waiting while a newer version is adopted.
   * @throws Unavailable when the rollout or its gate cannot be reached; Aborted on `signal`.
   */
  async enter(signal?: AbortSignal): Promise<Ticket> {
    for (;;) {
      const epoch = this.usable();
      if (epoch !== undefined) {
        epoch.inflight++;
        this.maybeCheckSettled(epoch);
        return this.ticket(epoch);
      }
      if (this.closed) {
        throw new StorageError('Unavailable', 'This hybrid store is closed', { backend: 'hybrid' });
      }
      this.kick();
      const adopting = this.adopting;
      if (adopting !== undefined) await waitFor(adopting, signal);
      if (this.usable() === undefined && this.failure !== undefined) {
        throw new StorageError('Unavailable', 'Could not adopt the current rollout version', {
          operation: 'hybrid.rollout',
          backend: 'hybrid',
          retryable: true,
          cause: this.failure,
        });
      }
    }
  }

  /** Switches the current version to the fast path (the Migrator settled it through this process). */
  markSettled(version: number): void {
    const epoch = this.current;
    if (this.o.fastPath && epoch !== undefined && epoch.version === version && !epoch.retired) {
      if (epoch.mode !== 'fast') this.o.logger.info('hybrid: rollout settled, fast path', { version });
      epoch.mode = 'fast';
    }
  }

  /** Stops hearing about new versions (the current one is kept until `close`). */
  stopWatching(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  /** Stops following; releases the version gate once operations in flight end. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    clearTimeout(this.retryTimer);
    await this.adopting;
    const epoch = this.current;
    if (epoch !== undefined) {
      epoch.retired = true;
      await this.idle(epoch);
      await epoch.lease.release();
    }
  }

  private heard(snapshot: RolloutSnapshot): void {
    if (snapshot.version <= (this.target?.version ?? 0)) return;
    this.target = snapshot;
    this.kick();
  }

  private usable(): Epoch | undefined {
    const epoch = this.current;
    if (epoch === undefined || epoch.retired || epoch.lease.lost.aborted) return undefined;
    // Heard of a newer version: stop starting operations at this one.
    if (this.target !== undefined && this.target.version > epoch.version) return undefined;
    return epoch;
  }

  private needsAdoption(): boolean {
    return !this.closed && this.usable() === undefined;
  }

  private kick(): void {
    if (this.adopting !== undefined || !this.needsAdoption()) return;
    const run: Promise<void> = this.adopt().then(
      () => {
        this.failure = undefined;
      },
      (error: unknown) => {
        this.failure = error;
        this.o.logger.warn('hybrid: could not adopt the rollout version; retrying', {
          rollout: this.o.name,
          error: String(error),
        });
        // Retry on a timer too: holding an old version's gate would stall other processes.
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.kick(), RETRY_MS);
        this.retryTimer.unref();
      },
    );
    const tracked: Promise<void> = run.finally(() => {
      if (this.adopting === tracked) this.adopting = undefined;
      if (this.failure === undefined) this.kick();
    });
    this.adopting = tracked;
  }

  private async latest(): Promise<RolloutSnapshot> {
    const { rollouts, name, seedPercentage } = this.o;
    let snapshot = await rollouts.get(name);
    if (snapshot === null) {
      try {
        snapshot = await rollouts.set(name, seedPercentage, { expectedVersion: 0 });
      } catch (error) {
        if (!isStorageError(error, 'Conflict')) throw error;
        snapshot = await rollouts.get(name);
      }
    }
    if (snapshot === null) {
      throw new StorageError('Unavailable', `Rollout ${name} could not be read`, { backend: 'hybrid' });
    }
    if (snapshot.version > (this.target?.version ?? 0)) this.target = snapshot;
    return this.target ?? snapshot;
  }

  private async adopt(): Promise<void> {
    const { locks, namespace, markers, logger } = this.o;
    // 1. The newest version's gate, shared; re-read after taking it.
    let snapshot = await this.latest();
    let lease: Lease;
    for (;;) {
      lease = await locks.acquire(versionLockName(namespace, snapshot.version), 'shared');
      let after: RolloutSnapshot;
      try {
        after = await this.latest();
      } catch (error) {
        await lease.release();
        throw error;
      }
      if (after.version <= snapshot.version) break;
      await lease.release();
      snapshot = after;
    }
    try {
      // 2. Leave the old version once this process's operations at it have ended.
      const old = this.current;
      if (old !== undefined) {
        old.retired = true;
        await this.idle(old);
        await old.lease.release();
      }
      // 3. Drain older versions everywhere.
      const marker = await markers.read();
      for (let version = Math.max(1, marker.floor); version < snapshot.version; version++) {
        await this.drain(version);
      }
      if (marker.floor < snapshot.version) {
        const floor = snapshot.version;
        await markers
          .update((m) => (m.floor >= floor ? undefined : { ...m, floor }))
          .catch((error: unknown) => {
            logger.debug('hybrid: could not record the drained floor', { error: String(error) });
          });
      }
      // 4. Operate at the new version.
      const fast = this.o.fastPath && marker.settled?.version === snapshot.version;
      this.current = {
        version: snapshot.version,
        percentage: snapshot.percentage,
        mode: fast ? 'fast' : 'locked',
        lease,
        inflight: 0,
        retired: false,
        idle: undefined,
      };
      this.lastSettledCheck = Date.now();
      logger.info('hybrid: rollout version adopted', {
        rollout: this.o.name,
        version: snapshot.version,
        percentage: snapshot.percentage,
        mode: fast ? 'fast' : 'locked',
      });
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  /** Waits until no process operates at `version` (taking its gate exclusively), then lets go. */
  private async drain(version: number): Promise<void> {
    const warn = setInterval(() => {
      this.o.logger.warn('hybrid: waiting for processes still at an older rollout version', {
        rollout: this.o.name,
        version,
      });
    }, SLOW_DRAIN_WARN_MS);
    warn.unref();
    try {
      const gate = await this.o.locks.acquire(versionLockName(this.o.namespace, version), 'exclusive');
      await gate.release();
    } finally {
      clearInterval(warn);
    }
  }

  private idle(epoch: Epoch): Promise<void> {
    if (epoch.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = epoch.idle;
      epoch.idle = () => {
        previous?.();
        resolve();
      };
    });
  }

  private ticket(epoch: Epoch): Ticket {
    let done = false;
    return {
      percentage: epoch.percentage,
      version: epoch.version,
      fast: epoch.mode === 'fast',
      lost: epoch.lease.lost,
      done: () => {
        if (done) return;
        done = true;
        epoch.inflight--;
        if (epoch.inflight === 0 && epoch.idle !== undefined) {
          const idle = epoch.idle;
          epoch.idle = undefined;
          idle();
        }
      },
    };
  }

  private maybeCheckSettled(epoch: Epoch): void {
    if (epoch.mode === 'fast' || !this.o.fastPath || this.checkingSettled) return;
    const now = Date.now();
    if (now - this.lastSettledCheck < this.o.settledCheckMs) return;
    this.lastSettledCheck = now;
    this.checkingSettled = true;
    this.o.markers
      .read()
      .then((marker) => {
        if (marker.settled?.version === epoch.version && this.current === epoch)
          this.markSettled(epoch.version);
      })
      .catch(() => {})
      .finally(() => {
        this.checkingSettled = false;
      });
  }
}

/** Resolves when `promise` settles; rejects with Aborted when `signal` aborts first. */
function waitFor(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  const settled = promise.then(
    () => {},
    () => {},
  );
  if (signal === undefined) return settled;
  if (signal.aborted) return Promise.reject(abortedError(signal, { backend: 'hybrid' }));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal, { backend: 'hybrid' }));
    signal.addEventListener('abort', onAbort, { once: true });
    settled.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
