import { defineConfig } from 'drizzle-kit';

/**
 * drizzle-kit writes migrations from db/schema.ts into migrations/ (`npm run db:generate`).
 * The app applies them itself when it opens the database (db/connect.ts), on Postgres and PGlite
 * alike, so no `drizzle-kit migrate` step is part of deployment.
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './migrations',
  strict: true,
  verbose: true,
});
