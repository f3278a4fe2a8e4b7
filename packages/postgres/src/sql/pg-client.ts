import pg from 'pg';
import type { SqlClient, SqlQueryable, SqlResult, SqlSession } from './sql-client.js';

export interface PgClientOptions {
  connectionString: string;
  /** Pool size; default 10. */
  max?: number;
  /** Statement timeout in ms; default 30 s (0: none). */
  statementTimeoutMs?: number;
  /** Connecting gives up after this; default 10 s. */
  connectTimeoutMs?: number;
  /** Shown in pg_stat_activity; default "stowage". */
  applicationName?: string;
}

/** `SqlClient` on a PostgreSQL server through a `pg` pool. */
export class PgClient implements SqlClient {
  readonly kind = 'postgres';
  // Private fields: the pool's options hold the connection string, password included.
  readonly #pool: pg.Pool;
  readonly #listeners = new Set<pg.Client>();
  readonly #config: pg.PoolConfig;

  constructor(options: PgClientOptions) {
    this.#config = {
      connectionString: options.connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      application_name: options.applicationName ?? 'stowage',
      ...(options.statementTimeoutMs === 0
        ? {}
        : { statement_timeout: options.statementTimeoutMs ?? 30_000 }),
    };
    this.#pool = new pg.Pool(this.#config);
    // An idle client that loses its connection emits here; without a listener the process dies.
    this.#pool.on('error', () => {});
  }

  async query<T>(text: string, params: readonly unknown[] = []): Promise<SqlResult<T>> {
    const result = await this.#pool.query(text, params as unknown[]);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  }

  async exec(text: string): Promise<void> {
    await this.#pool.query(text);
  }

  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(queryable(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken ??= await client.query('ROLLBACK').then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async listen(
    channel: string,
    onNotify: (payload: string) => void,
    onError?: (error: Error) => void,
  ): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const next = new pg.Client(this.#config);
      next.on('notification', (message) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      });
      next.on('error', (error) => {
        this.#listeners.delete(next);
        next.end().catch(() => {});
        if (stopped) return;
        onError?.(error);
        // Reconnect with a pause; whatever was missed meanwhile the caller re-reads (onError).
        retry = setTimeout(() => {
          connect().catch((e: unknown) => onError?.(e as Error));
        }, 1_000);
        retry.unref();
      });
      await next.connect();
      await next.query(`LISTEN ${quoteIdentifier(channel)}`);
      this.#listeners.add(next);
      client = next;
    };
    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      if (client !== undefined) {
        this.#listeners.delete(client);
        await client.end().catch(() => {});
      }
    };
  }

  async session(): Promise<SqlSession> {
    const client = await this.#pool.connect();
    const lost = new Set<(error: Error) => void>();
    let released = false;
    const onError = (error: Error) => {
      for (const listener of lost) listener(error);
    };
    client.on('error', onError);
    // One statement at a time: a session is shared by concurrent callers (PostgresLocks serves
    // every waiter of a process on one connection), and pg deprecates queueing on a client.
    let tail: Promise<unknown> = Promise.resolve();
    const inTurn = <R>(fn: () => Promise<R>): Promise<R> => {
      const turn = tail.then(fn, fn);
      tail = turn.catch(() => {});
      return turn;
    };
    const { query } = queryable(client);
    return {
      query: (text, params) => inTurn(() => query(text, params)),
      exec: (text) =>
        inTurn(async () => {
          await client.query(text);
        }),
      onLost: (listener) => {
        lost.add(listener);
      },
      release: (error) => {
        if (released) return;
        released = true;
        client.off('error', onError);
        // Released with an error, the connection is closed, and the server drops its session state.
        client.release(error ?? false);
      },
    };
  }

  async close(): Promise<void> {
    for (const client of this.#listeners) await client.end().catch(() => {});
    this.#listeners.clear();
    await this.#pool.end();
  }
}

function queryable(client: pg.PoolClient): SqlQueryable {
  return {
    query: async <T>(text: string, params: readonly unknown[] = []) => {
      const result = await client.query(text, params as unknown[]);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
  };
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
