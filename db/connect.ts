import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';

import { livePidIn } from '../infra/pid-file.js';
import { redactUrl } from '../infra/redact-url.js';
import * as schema from './schema.js';

import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/** The drizzle handle both backends share; repositories take this type. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** The part of a pino logger the database uses. */
export interface DatabaseLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface OpenDatabaseOptions {
  /** A Postgres URL; when unset, an embedded PGlite database is used instead. */
  databaseUrl?: string;
  /** The app's data folder; PGlite keeps its files in `<dataDir>/pglite`. */
  dataDir: string;
  logger?: DatabaseLogger;
}

export interface OpenedDatabase {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Ends the pool or shuts PGlite down; the handle is unusable afterwards. */
  close(): Promise<void>;
}

/** Thrown when the database cannot be reached or opened. `target` never contains a password. */
export class DatabaseUnavailableError extends Error {
  constructor(
    readonly target: string,
    options: { cause: unknown },
  ) {
    super(`cannot open the database at ${target}: ${describe(options.cause)}`, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Resolved from this file rather than the cwd, so workers started anywhere find the migrations. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));

// Any constant works as long as nothing else in the database uses it: 'dzvin' in ASCII.
const MIGRATION_LOCK_KEY = 0x647a76696e;

// pg waits forever for a connection by default; a black-holed host must fail start-up instead.
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens Postgres when `databaseUrl` is set, otherwise PGlite under `dataDir`, and brings the
 * schema up to date with the migrations in migrations/ before returning.
 * Throws DatabaseUnavailableError when the database cannot be reached.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  return options.databaseUrl === undefined || options.databaseUrl === ''
    ? openPglite(options.dataDir, options.logger)
    : openPostgres(options.databaseUrl, options.logger);
}

async function openPostgres(url: string, logger?: DatabaseLogger): Promise<OpenedDatabase> {
  const target = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client that loses its server emits on the pool; unhandled, that would kill the process.
  pool.on('error', (error) => {
    logger?.warn({ component: 'db', target, error: describe(error) }, 'idle connection failed');
  });

  try {
    await migratePostgres(pool, target);
  } catch (error) {
    await pool.end();
    throw error;
  }

  logger?.info({ component: 'db', kind: 'postgres', target }, 'database ready');
  return {
    db: drizzleNodePg({ client: pool, schema }),
    kind: 'postgres',
    close: () => pool.end(),
  };
}

/**
 * drizzle's migrator takes no lock, so two workers starting together would both apply the same
 * migration. A session advisory lock on one dedicated connection serializes them; the second
 * finds the journal up to date and does nothing.
 */
async function migratePostgres(pool: pg.Pool, target: string): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new DatabaseUnavailableError(target, { cause: error });
  }

  try {
    await client.query(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    await migrateNodePg(drizzleNodePg({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    await client.query(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    client.release();
  } catch (error) {
    // Destroying the connection ends its session, which also frees the lock.
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

/**
 * PGlite is one process's database: two processes writing the same folder corrupt it. The
 * folder is held by a pid file beside it for as long as it is open, and a second opener (a
 * second demo, a report while a worker runs) is refused with what to do instead.
 */
async function openPglite(dataDir: string, logger?: DatabaseLogger): Promise<OpenedDatabase> {
  const directory = join(dataDir, 'pglite');
  const target = `PGlite in ${directory}`;
  let client: PGlite;
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    throw new DatabaseUnavailableError(target, { cause: error });
  }
  const release = await holdPglite(`${directory}.pid`, target);
  try {
    client = await PGlite.create(directory);
  } catch (error) {
    await release();
    throw new DatabaseUnavailableError(target, { cause: error });
  }

  const db = drizzlePglite({ client, schema });
  try {
    await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (error) {
    await client.close();
    await release();
    throw error;
  }

  logger?.info({ component: 'db', kind: 'pglite', directory }, 'database ready');
  return {
    db,
    kind: 'pglite',
    close: async () => {
      await client.close();
      await release();
    },
  };
}

/** Takes the PGlite folder for this process; the returned function gives it back. */
async function holdPglite(pidFile: string, target: string): Promise<() => Promise<void>> {
  const release = async () => {
    if (livePidIn(pidFile, 'node') === process.pid) await unlink(pidFile).catch(() => undefined);
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(pidFile, String(process.pid), { flag: 'wx' });
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DatabaseUnavailableError(target, { cause: error });
      }
    }
    // A pid left by a process that has ended, or reused by another program, holds nothing.
    const holder = livePidIn(pidFile, 'node');
    if (holder !== undefined) {
      throw new DatabaseUnavailableError(target, {
        cause: new Error(
          `process ${holder} has it open, and PGlite takes one process at a time: let that ` +
            'process end (a demo, a worker), set DATABASE_URL to use Postgres, or set ' +
            'DZVIN_DATA_DIR to another folder',
        ),
      });
    }
    await unlink(pidFile).catch(() => undefined);
  }
  throw new DatabaseUnavailableError(target, {
    cause: new Error(`another process keeps taking ${pidFile}`),
  });
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describe).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
