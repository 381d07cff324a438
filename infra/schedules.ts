import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client, ScheduleOptions } from '@temporalio/client';

import { KYIV_TIME_ZONE } from '../domain/kyiv-day.js';
import { CALLS_TASK_QUEUE } from '../workflows/call-messages.js';
import type { Logger } from './logger.js';

/** Fixed, so every worker start finds the one schedule instead of adding another. */
export const DAILY_STATS_SCHEDULE_ID = 'dzvin-daily-stats';

/**
 * The daily-stats schedule: 00:15 Kyiv time every day, for the day that just ended (and the one
 * before it, see workflows/daily-stats-workflow.ts). After an outage of Temporal's scheduler the
 * runs it missed in the last week still start, one after another, each for the day it was due.
 */
export function dailyStatsSchedule(taskQueue: string = CALLS_TASK_QUEUE) {
  return {
    spec: { calendars: [{ hour: 0, minute: 15 }], timezone: KYIV_TIME_ZONE },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'dailyStatsWorkflow',
      // The schedule appends the run's time, so ids stay unique and name the run.
      workflowId: DAILY_STATS_SCHEDULE_ID,
      taskQueue,
      args: [{}],
    },
    policies: {
      // A week covers a long weekend without anyone on call; older days can be backfilled.
      catchupWindow: '7 days',
      // Buffered, never skipped: each missed run computes a different day.
      overlap: ScheduleOverlapPolicy.BUFFER_ALL,
    },
  } satisfies Omit<ScheduleOptions, 'scheduleId'>;
}

/**
 * Creates the daily-stats schedule, or brings an existing one up to this version's definition;
 * safe to call from every worker at every start.
 */
export async function ensureDailyStatsSchedule(
  client: Client,
  options: { taskQueue?: string; logger?: Logger } = {},
): Promise<void> {
  const definition = dailyStatsSchedule(options.taskQueue);
  try {
    await client.schedule.create({ scheduleId: DAILY_STATS_SCHEDULE_ID, ...definition });
    options.logger?.info(
      { scheduleId: DAILY_STATS_SCHEDULE_ID },
      'created the daily-stats schedule',
    );
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(DAILY_STATS_SCHEDULE_ID).update((current) => ({
      ...current,
      ...definition,
      policies: { ...current.policies, ...definition.policies },
    }));
    options.logger?.info(
      { scheduleId: DAILY_STATS_SCHEDULE_ID },
      'updated the daily-stats schedule',
    );
  }
}
