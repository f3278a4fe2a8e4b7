/**
 * The little of a database driver the repositories use, so the same SQL runs on a
 * PostgreSQL server (`pg`) and on PGlite (Postgres compiled to WASM, in process).
 * Every method may throw `Unavailable` (retryable: refused, terminated, shut down),
 * `Timeout` or `Unexpected`; constraint violations arrive as `SqlError` with their SQLSTATE
 * for the caller to map (see `map-sql-error.ts`).
 */
export interface SqlClient {
  /** "postgres" or "pglite": names the backend in errors and reports. */
  readonly kind: 'postgres' | 'pglite';
  /** One statement with `$1…` parameters. */
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<T>>;
  /** Several statements, no parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs `work` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for every NOTIFY on `channel` until the returned function is called.
   * The subscription survives reconnects where the driver allows; `onError` hears when it cannot.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onError?: (error: Error) => void,
  ): Promise<() => Promise<void>>;
  /**
   * A connection of its own for session-scoped state (advisory locks): the caller holds it
   * until `release`. On PGlite, the one connection there is.
   */
  session(): Promise<SqlSession>;
  /** Closes pools, connections and the PGlite instance (and its directory lock). */
  close(): Promise<void>;
}

export interface SqlQueryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<T>>;
}

export interface SqlSession extends SqlQueryable {
  /** Several statements, no parameters. */
  exec(text: string): Promise<void>;
  /** Ends the session; a session ended by a failure releases what it held on the server. */
  release(error?: Error): void;
  /** Called once if the connection dies (then everything it held is gone). */
  onLost(listener: (error: Error) => void): void;
}

export interface SqlResult<T> {
  rows: T[];
  rowCount: number;
}
