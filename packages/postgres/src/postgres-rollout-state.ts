import { type RolloutSnapshot, type RolloutState, StorageError } from '@stowage/core';
import { checkRolloutSet } from '@stowage/kit';
import type { PostgresDatabase } from './postgres-database.js';

const CHANNEL = 'stowage_rollout';

interface Row {
  name: string;
  percentage: number;
  version: string | number;
  updated_at: Date | string;
}

type Listener = (snapshot: RolloutSnapshot) => void;

/** Each listener with the last version it heard: none hears a version twice, or an older after a newer. */
type Watch = Map<Listener, number>;

/**
 * Rollout state shared through one database. `set` bumps the version and NOTIFYs in the same
 * transaction; watchers LISTEN and re-read, and also poll every `rolloutPollMs` (a
 * notification can be missed while a connection is re-established), so a change reaches
 * every process within one poll interval at worst.
 */
export class PostgresRolloutState implements RolloutState {
  private readonly watches = new Map<string, Watch>();
  private unlisten: Promise<(() => Promise<void>) | undefined> | undefined;
  private poller: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly db: PostgresDatabase) {}

  async get(name: string): Promise<RolloutSnapshot | null> {
    checkRolloutSet(name, 0, undefined, this.db.ctx('get'));
    const { rows } = await this.db.query<Row>(
      'get',
      'SELECT name, percentage, version, updated_at FROM stowage_rollouts WHERE name = $1',
      [name],
      name,
    );
    return rows[0] === undefined ? null : toSnapshot(rows[0]);
  }

  async set(
    name: string,
    percentage: number,
    options: { expectedVersion?: number } = {},
  ): Promise<RolloutSnapshot> {
    const ctx = { ...this.db.ctx('set'), key: name };
    checkRolloutSet(name, percentage, options.expectedVersion, ctx);
    const now = this.db.clock.now();
    const snapshot = await this.db.transaction(
      'set',
      async (tx) => {
        const current = await tx.query<{ version: string | number }>(
          'SELECT version FROM stowage_rollouts WHERE name = $1 FOR UPDATE',
          [name],
        );
        const version = Number(current.rows[0]?.version ?? 0);
        if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
          throw new StorageError(
            'Conflict',
            `Rollout ${name} is at version ${version}, not ${options.expectedVersion}`,
            ctx,
          );
        }
        const { rows } = await tx.query<Row>(
          `INSERT INTO stowage_rollouts (name, percentage, version, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET percentage = EXCLUDED.percentage, version = EXCLUDED.version,
             updated_at = EXCLUDED.updated_at
           RETURNING name, percentage, version, updated_at`,
          [name, percentage, version + 1, now],
        );
        await tx.query('SELECT pg_notify($1, $2)', [CHANNEL, name]);
        return toSnapshot(rows[0]!);
      },
      name,
    );
    // Watchers in this process need not wait for the notification's round trip.
    this.deliver(snapshot);
    return snapshot;
  }

  watch(name: string, listener: (snapshot: RolloutSnapshot) => void): () => void {
    if (this.closed)
      throw new StorageError('Unavailable', 'This rollout state is closed', this.db.ctx('watch'));
    let watch = this.watches.get(name);
    if (watch === undefined) {
      watch = new Map();
      this.watches.set(name, watch);
    }
    watch.set(listener, 0);
    this.start();
    // The current value, for this listener too.
    void this.refresh(name);
    return () => {
      watch.delete(listener);
      if (watch.size === 0) this.watches.delete(name);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    this.watches.clear();
    const stop = await this.unlisten?.catch(() => undefined);
    await stop?.();
  }

  private start(): void {
    if (this.unlisten === undefined) {
      this.unlisten = this.db.sql
        .listen(
          CHANNEL,
          (payload) => void this.refresh(payload),
          // Reconnected: anything may have changed meanwhile.
          () => {
            for (const name of this.watches.keys()) void this.refresh(name);
          },
        )
        .catch(() => undefined);
    }
    if (this.poller === undefined) {
      this.poller = setInterval(() => {
        for (const name of this.watches.keys()) void this.refresh(name);
      }, this.db.rolloutPollMs);
      // Watching must not keep a process alive on its own.
      this.poller.unref();
    }
  }

  private async refresh(name: string): Promise<void> {
    if (!this.watches.has(name)) return;
    let snapshot: RolloutSnapshot | null;
    try {
      snapshot = await this.get(name);
    } catch {
      return; // the next poll tries again
    }
    if (snapshot !== null) this.deliver(snapshot);
  }

  private deliver(snapshot: RolloutSnapshot): void {
    const watch = this.watches.get(snapshot.name);
    if (watch === undefined) return;
    for (const [listener, heard] of watch) {
      if (snapshot.version <= heard) continue;
      watch.set(listener, snapshot.version);
      listener({ ...snapshot });
    }
  }
}

function toSnapshot(row: Row): RolloutSnapshot {
  return {
    name: row.name,
    percentage: Number(row.percentage),
    version: Number(row.version),
    updatedAt: new Date(row.updated_at),
  };
}
