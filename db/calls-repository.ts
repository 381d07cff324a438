import { eq, sql } from 'drizzle-orm';

import { calls } from './schema.js';

import type { Database } from './connect.js';
import type { CallRow, NewCall } from './schema.js';

/**
 * Writes the call's row, replacing every value of an earlier write with the same id. The
 * persistence activity may run more than once (retries, replays of a failed worker); each run
 * leaves one row carrying the latest figures. `totalCostUsd` is a decimal string such as
 * `formatUsd(nano)` produces, so the stored amount is exact.
 */
export async function upsertCall(db: Database, row: NewCall): Promise<void> {
  await db
    .insert(calls)
    .values(row)
    .onConflictDoUpdate({
      target: calls.id,
      // Spell out every column: a value the latest write leaves unset must not survive from the
      // earlier one, so missing optional fields are written as null.
      set: {
        workflowId: row.workflowId,
        startedAt: row.startedAt,
        endedAt: row.endedAt ?? null,
        callerHash: row.callerHash,
        language: row.language,
        sttProvider: row.sttProvider,
        sttArm: row.sttArm ?? null,
        llmModels: row.llmModels ?? sql`'{}'::text[]`,
        escalations: row.escalations ?? 0,
        turns: row.turns ?? 0,
        endReason: row.endReason ?? null,
        costBreakdown: row.costBreakdown,
        totalCostUsd: row.totalCostUsd,
        pricingVersion: row.pricingVersion,
        updatedAt: sql`now()`,
      },
    });
}

/** The stored row of a call, with `totalCostUsd` as Postgres prints it (e.g. `0.012345678`). */
export async function getCall(db: Database, id: string): Promise<CallRow | undefined> {
  const rows = await db.select().from(calls).where(eq(calls.id, id)).limit(1);
  return rows[0];
}
