import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { proxyActivities, workflowInfo } from '@temporalio/workflow';

import type { DailyStatsActivities, DailyStatsSummary } from '../activities/daily-stats.js';
import { addDays, kyivDayOf } from '../domain/kyiv-day.js';

const { aggregateDay } = proxyActivities<DailyStatsActivities>({
  // One aggregate over a day of calls; a month of rows takes well under a second.
  startToCloseTimeout: '2m',
  // The figures can wait out a Postgres outage: the next run would only recompute them anyway.
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export interface DailyStatsInput {
  /** A Kyiv day `YYYY-MM-DD` to (re)compute; by default the one before the scheduled time. */
  day?: string;
}

/** The schedule's stamp on each run it starts: the nominal time, late or not. */
const ScheduledStartTime = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

/**
 * Fills `daily_stats` for the Kyiv day before the run was scheduled, and recomputes the day
 * before that: a call is recorded when it ends, and one that started before midnight may end
 * after this run (calls last at most two hours), so the second pass picks it up. Both passes
 * overwrite their rows with figures computed from `calls`, so a repeated run changes nothing.
 */
export async function dailyStatsWorkflow(
  input: DailyStatsInput = {},
): Promise<DailyStatsSummary[]> {
  if (input.day !== undefined) return [await aggregateDay(input.day)];

  const yesterday = addDays(kyivDayOf(scheduledTime()), -1);
  const settled = await aggregateDay(addDays(yesterday, -1));
  const latest = await aggregateDay(yesterday);
  return [settled, latest];
}

/**
 * A catch-up run after an outage starts late but carries the time it was due, so it computes the
 * day it was due for. Runs started by hand fall back to the workflow's own start time.
 */
function scheduledTime(): Date {
  return workflowInfo().typedSearchAttributes.get(ScheduledStartTime) ?? workflowInfo().startTime;
}
