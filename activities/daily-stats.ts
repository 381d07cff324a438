import { ApplicationFailure } from '@temporalio/activity';

import type { DailyStatsRow } from '../db/schema.js';
import { isDay } from '../domain/kyiv-day.js';

/** One day's figures as the schedule's workflow sees them: amounts are decimal USD strings. */
export interface DailyStatsSummary {
  day: string;
  calls: number;
  totalCostUsd: string;
  avgCostUsd: string;
  ttsCacheHitRate: string | null;
  haikuShare: string | null;
  whisperShare: string | null;
}

/** Daily figures: computes a Kyiv day's `daily_stats` row from `calls` in Postgres. */
export function createDailyStatsActivities(deps: {
  aggregate(day: string): Promise<DailyStatsRow>;
}) {
  return {
    async aggregateDay(day: string): Promise<DailyStatsSummary> {
      if (!isDay(day)) {
        throw ApplicationFailure.nonRetryable(
          `not a day written YYYY-MM-DD: "${day}"`,
          'InvalidInput',
        );
      }
      const row = await deps.aggregate(day);
      return {
        day: row.day,
        calls: row.calls,
        totalCostUsd: row.totalCostUsd,
        avgCostUsd: row.avgCostUsd,
        ttsCacheHitRate: row.ttsCacheHitRate,
        haikuShare: row.haikuShare,
        whisperShare: row.whisperShare,
      };
    },
  };
}

export type DailyStatsActivities = ReturnType<typeof createDailyStatsActivities>;
