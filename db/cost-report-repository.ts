import { sql } from 'drizzle-orm';

import { KYIV_TIME_ZONE } from '../domain/kyiv-day.js';
import type { Database } from './connect.js';

/** What the savings report needs of one call. */
export interface CallCostRow {
  id: string;
  /** The Kyiv day the call started, as `daily_stats` counts it. */
  day: string;
  totalCostUsd: string;
  pricingVersion: string;
  costBreakdown: Record<string, unknown>;
}

/**
 * The calls that started on the Kyiv days from `from` to `to` (both included), oldest first,
 * with the same day bounds as `daily_stats`.
 */
export async function listCallCosts(
  db: Database,
  from: string,
  to: string,
): Promise<CallCostRow[]> {
  const result = await db.execute(sql`
    select id,
           to_char(started_at at time zone ${KYIV_TIME_ZONE}, 'YYYY-MM-DD') as day,
           total_cost_usd::text as "totalCostUsd",
           pricing_version as "pricingVersion",
           cost_breakdown as "costBreakdown"
    from calls
    where started_at >= (${from}::date::timestamp at time zone ${KYIV_TIME_ZONE})
      and started_at < ((${to}::date + 1)::timestamp at time zone ${KYIV_TIME_ZONE})
    order by started_at, id
  `);
  // Both drivers (node-postgres, PGlite) answer raw SQL with `{ rows }`.
  return (result as { rows: CallCostRow[] }).rows;
}
