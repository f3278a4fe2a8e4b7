import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests use: loopback PostgreSQL (trust auth) unless `STOWAGE_POSTGRES_URL` says otherwise. */
export const POSTGRES_ADMIN_URL =
  process.env.STOWAGE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface FreshPostgresDatabase {
  /** Connects to the new database. */
  url: string;
  name: string;
  /** Drops it, ending connections still open to it. */
  drop(): Promise<void>;
}

/**
 * A new, empty database for one test file, so suites running at once never share tables.
 * Fails (never skips) when the server cannot be reached: every machine that runs the tests has one.
 */
export async function freshPostgresDatabase(label: string): Promise<FreshPostgresDatabase> {
  const name = `stowage_${label.toLowerCase().replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    name,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
