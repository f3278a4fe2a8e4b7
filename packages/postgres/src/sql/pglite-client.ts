import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { StorageError } from '@stowage/core';
import type { SqlClient, SqlQueryable, SqlResult, SqlSession } from './sql-client.js';

const LOCK_FILE = 'stowage.pid';

/**
 * `SqlClient` on PGlite: Postgres compiled to WASM, running in this process, keeping its files
 * in `dataDir` (or in memory without one). Local mode's embedded database: no server to run.
 *
 * PGlite has one connection and no lock of its own on its directory; two processes opening
 * one directory corrupt it. A pid file guards the directory: a second process gets a clear
 * `Conflict`, and a pid file left by a process that died is taken over.
 */
export class PGliteClient implements SqlClient {
  readonly kind = 'pglite';
  private constructor(
    private readonly db: PGlite,
    private readonly lockPath: string | undefined,
  ) {}

  /** @throws Conflict when another live process has the directory open. */
  static async open(dataDir?: string): Promise<PGliteClient> {
    let lockPath: string | undefined;
    if (dataDir !== undefined) {
      mkdirSync(dataDir, { recursive: true });
      lockPath = join(dataDir, LOCK_FILE);
      lockDirectory(dataDir, lockPath);
    }
    try {
      const db = await PGlite.create(dataDir === undefined ? {} : { dataDir });
      return new PGliteClient(db, lockPath);
    } catch (error) {
      if (lockPath !== undefined) rmSync(lockPath, { force: true });
      throw new StorageError('Unavailable', `PGlite could not open ${dataDir ?? 'an in-memory database'}`, {
        operation: 'open',
        backend: 'pglite',
        cause: error,
      });
    }
  }

  async query<T>(text: string, params: readonly unknown[] = []): Promise<SqlResult<T>> {
    const result = await this.db.query<T>(text, params as unknown[]);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async exec(text: string): Promise<void> {
    await this.db.exec(text);
  }

  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      work({
        query: async <R>(text: string, params: readonly unknown[] = []) => {
          const result = await tx.query<R>(text, params as unknown[]);
          return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
        },
      }),
    );
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const unsubscribe = await this.db.listen(channel, onNotify);
    return async () => {
      await unsubscribe();
    };
  }

  async session(): Promise<SqlSession> {
    // One connection in all: session state (advisory locks) lives on it for as long as the instance.
    return {
      query: (text, params) => this.query(text, params),
      exec: (text) => this.exec(text),
      release: () => {},
      onLost: () => {},
    };
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } finally {
      if (this.lockPath !== undefined) rmSync(this.lockPath, { force: true });
    }
  }
}

function lockDirectory(dataDir: string, lockPath: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(lockPath, 'utf8').trim());
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new StorageError(
        'Conflict',
        `The PGlite database in ${dataDir} is open in process ${holder}; one process at a time (stop it, or use PostgreSQL to share a database)`,
        { operation: 'open', backend: 'pglite' },
      );
    }
    if (holder === process.pid) {
      throw new StorageError(
        'Conflict',
        `The PGlite database in ${dataDir} is already open in this process`,
        {
          operation: 'open',
          backend: 'pglite',
        },
      );
    }
    // Left by a process that is gone: take it over.
    rmSync(lockPath, { force: true });
  }
  throw new StorageError('Conflict', `Could not lock the PGlite database in ${dataDir}`, {
    operation: 'open',
    backend: 'pglite',
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
