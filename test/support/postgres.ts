import { randomBytes } from 'node:crypto';

import pg from 'pg';

/**
 * The server tests create their databases on; `TEST_POSTGRES_ADMIN_URL` points elsewhere.
 * It must name a role allowed to create and drop databases.
 */
const ADMIN_URL =
  process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** A connection URL for the new, empty database. */
  url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/**
 * Creates an empty, uniquely named database on the local Postgres server, so test files can run
 * side by side without seeing each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `dzvin_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((admin) => admin.query(`create database "${name}"`));

  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // WITH (FORCE) ends sessions a test forgot to close, which would otherwise block the drop.
    drop: () => withAdmin((admin) => admin.query(`drop database if exists "${name}" with (force)`)),
  };
}

async function withAdmin(work: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}
