import { createHash } from 'node:crypto';
import {
  abortedError,
  type Lease,
  type LockMode,
  type Locks,
  StorageError,
  throwIfAborted,
} from '@stowage/core';
import { KeyedRwLock } from '@stowage/kit';
import type { PostgresDatabase } from './postgres-database.js';
import { mapSqlError } from './sql/map-sql-error.js';
import type { SqlSession } from './sql/sql-client.js';

/** Polling for a busy advisory lock: first retry after this, doubling up to `MAX_WAIT_MS`. */
const FIRST_WAIT_MS = 1;
const MAX_WAIT_MS = 50;

class AdvisoryLease implements Lease {
  private released = false;
  constructor(
    readonly lost: AbortSignal,
    private readonly unlock: () => Promise<void>,
  ) {}

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.unlock();
  }
}

/**
 * Locks shared by every process on one PostgreSQL database: session-level advisory locks
 * (`pg_try_advisory_lock[_shared]`) held on one dedicated connection per instance, so a
 * process that dies (its connection closes) releases its locks with no lease to expire.
 *
 * Within a process the kit's keyed reader/writer lock comes first: Postgres lets one session
 * hold the same advisory lock in both modes, so exclusion inside the process is ours, and
 * the server's count of shared holds matches ours one for one. Keys map to 64-bit lock ids
 * through sha256 with a namespace; a collision only makes two keys wait for each other.
 * Busy locks are polled (1 ms, doubling to 50 ms) rather than waited for on the server, so
 * one connection serves every waiter and a cancelled wait leaves nothing queued there.
 *
 * If the connection is lost, every lease's `lost` signal aborts (the server has released them)
 * and the next acquire opens a new connection.
 */
export class PostgresLocks implements Locks {
  private readonly local = new KeyedRwLock();
  private session: Promise<SqlSession> | undefined;
  private lostController = new AbortController();
  private closed = false;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly namespace = 'stowage',
  ) {}

  async acquire(key: string, mode: LockMode, options: { signal?: AbortSignal } = {}): Promise<Lease> {
    const ctx = { operation: 'lock', key, backend: this.db.name };
    this.assertOpen(ctx);
    const signal = options.signal;
    throwIfAborted(signal, ctx);
    const releaseLocal = await this.local.acquire(key, mode === 'exclusive', signal, ctx);
    try {
      const id = lockId(this.namespace, key);
      for (let wait = FIRST_WAIT_MS; ; wait = Math.min(wait * 2, MAX_WAIT_MS)) {
        const lease = await this.tryServer(id, mode, releaseLocal, ctx);
        if (lease !== undefined) return lease;
        await sleep(wait * (0.5 + Math.random()), signal, ctx);
      }
    } catch (error) {
      releaseLocal();
      throw error;
    }
  }

  async tryAcquire(key: string, mode: LockMode): Promise<Lease | undefined> {
    const ctx = { operation: 'lock', key, backend: this.db.name };
    this.assertOpen(ctx);
    const releaseLocal = this.local.tryAcquire(key, mode === 'exclusive');
    if (releaseLocal === undefined) return undefined;
    try {
      const lease = await this.tryServer(lockId(this.namespace, key), mode, releaseLocal, ctx);
      if (lease === undefined) releaseLocal();
      return lease;
    } catch (error) {
      releaseLocal();
      throw error;
    }
  }

  /** Releases every lock this instance holds (the connection ends) and stops. */
  async close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    // Closed, not returned to the pool: session-level advisory locks live as long as the connection.
    if (session !== undefined) (await session.catch(() => undefined))?.release(new Error('locks closed'));
  }

  private async tryServer(
    id: string,
    mode: LockMode,
    releaseLocal: () => void,
    ctx: { operation: string; key: string; backend: string },
  ): Promise<Lease | undefined> {
    const session = await this.connection(ctx);
    const lost = this.lostController.signal;
    const fn = mode === 'exclusive' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
    let got: boolean;
    try {
      const { rows } = await session.query<{ locked: boolean }>(`SELECT ${fn}($1::bigint) AS locked`, [id]);
      got = rows[0]?.locked === true;
    } catch (error) {
      throw mapSqlError(error, ctx);
    }
    if (!got) return undefined;
    const unlock = mode === 'exclusive' ? 'pg_advisory_unlock' : 'pg_advisory_unlock_shared';
    return new AdvisoryLease(lost, async () => {
      try {
        // A lost connection took the lock with it: nothing to unlock on a new one.
        if (!lost.aborted) await session.query(`SELECT ${unlock}($1::bigint)`, [id]);
      } catch {
        // The connection died meanwhile: the server released the lock with it.
      } finally {
        releaseLocal();
      }
    });
  }

  private connection(ctx: { operation: string; key: string; backend: string }): Promise<SqlSession> {
    if (this.session === undefined) {
      const opening = this.db.sql.session().then((session) => {
        session.onLost(() => this.onLost(opening));
        return session;
      });
      this.session = opening;
      opening.catch(() => {
        if (this.session === opening) this.session = undefined;
      });
    }
    return this.session.catch((error: unknown) => {
      throw mapSqlError(error, ctx);
    });
  }

  private onLost(lostSession: Promise<SqlSession>): void {
    if (this.session !== lostSession) return;
    this.session = undefined;
    this.lostController.abort(
      new StorageError('Unavailable', 'The lock connection was lost; its locks are gone'),
    );
    this.lostController = new AbortController();
    lostSession.then(
      (s) => s.release(new Error('lost')),
      () => {},
    );
  }

  private assertOpen(ctx: { operation: string; key: string; backend: string }): void {
    if (this.closed) throw new StorageError('Unavailable', 'These locks are closed', ctx);
  }
}

/** A signed 64-bit advisory lock id for `key`, as the decimal text Postgres casts to bigint. */
export function lockId(namespace: string, key: string): string {
  const digest = createHash('sha256').update(namespace).update('\0').update(key).digest();
  return digest.readBigInt64BE(0).toString();
}

function sleep(
  ms: number,
  signal: AbortSignal | undefined,
  ctx: { operation: string; key: string; backend: string },
) {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(signal, ctx));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal, ctx));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
