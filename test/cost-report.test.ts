import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { seedCalls } from '../db/call-seed.js';
import { aggregateDay, listDailyStats } from '../db/daily-stats-repository.js';
import { addDays, daysBetween, kyivDayOf } from '../domain/kyiv-day.js';
import { parseUsd } from '../domain/money.js';
import { loadConfig, REPO_ROOT } from '../infra/config.js';
import { loadPricing } from '../infra/pricing.js';
import { DAILY_STATS_SCHEDULE_ID, ensureDailyStatsSchedule } from '../infra/schedules.js';
import { CALLS_TASK_QUEUE } from '../workflows/call-messages.js';
import { dailyStatsWorkflow } from '../workflows/daily-stats-workflow.js';
import { startCallHarness } from './support/call-harness.js';
import type { CallHarness } from './support/call-harness.js';

const run = promisify(execFile);
const FROM = '2026-11-01';
const TO = '2026-11-30';
const SIMPLE_MODEL = loadConfig({}).anthropic.simpleModel;

let harness: CallHarness;
let outDir: string;

beforeAll(async () => {
  harness = await startCallHarness();
  outDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-report-'));
  const config = loadConfig({});
  await seedCalls(harness.runtime.database.db, {
    from: FROM,
    to: TO,
    callsPerDay: 40,
    seed: 7,
    pricing: loadPricing(),
    simpleModel: config.anthropic.simpleModel,
    complexModel: config.anthropic.complexModel,
  });
}, 240_000);

afterAll(async () => {
  await harness?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** Runs `npm run cost:report` the way a person would, against the test database. */
async function costReport(...args: string[]): Promise<string> {
  const { stdout } = await run('npx', ['tsx', 'cli/cost-report.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: harness.database.url, LOG_LEVEL: 'warn' },
    timeout: 120_000,
  });
  return stdout;
}

function figure(output: string, label: string): { totalNano: number; perCall: string } {
  const amounts = /\s(-?\d+\.\d{9})\s+(-?\d+\.\d{6})\s/;
  const line = output
    .split('\n')
    .find((row) => row.trimStart().startsWith(label) && amounts.test(row));
  const match = line === undefined ? undefined : amounts.exec(line);
  if (!match?.[1] || !match[2]) throw new Error(`no "${label}" row in:\n${output}`);
  return { totalNano: parseUsd(match[1]), perCall: match[2] };
}

describe('daily_stats filled by the schedule workflow', () => {
  it('computes each day of the month through Temporal, and a re-run gives the same rows', async () => {
    for (const day of daysBetween(FROM, TO)) {
      await harness.temporal.client.workflow.execute(dailyStatsWorkflow, {
        args: [{ day }],
        taskQueue: CALLS_TASK_QUEUE,
        workflowId: `daily-stats-test-${day}`,
      });
    }
    const first = await listDailyStats(harness.runtime.database.db, FROM, TO);
    expect(first).toHaveLength(30);
    expect(first.every((row) => row.calls > 0)).toBe(true);

    await aggregateDay(harness.runtime.database.db, '2026-11-15', [SIMPLE_MODEL]);
    const again = await listDailyStats(harness.runtime.database.db, '2026-11-15', '2026-11-15');
    const { computedAt: _first, ...before } = first.find((row) => row.day === '2026-11-15')!;
    const { computedAt: _again, ...after } = again[0]!;
    expect(after).toEqual(before);

    const row = first[0]!;
    expect(Number(row.ttsCacheHitRate)).toBeGreaterThan(0.1);
    expect(Number(row.haikuShare)).toBeGreaterThan(0.2);
    expect(Number(row.whisperShare)).toBeGreaterThan(0.4);
    expect(Object.keys(row.costByModel).sort()).toEqual(['claude-haiku-4-5', 'claude-sonnet-4-5']);
  }, 180_000);

  it('is scheduled once, at 00:15 Kyiv time, and a triggered run fills the day that just ended', async () => {
    const { client } = harness.temporal;
    await ensureDailyStatsSchedule(client);
    await ensureDailyStatsSchedule(client);

    // Schedule listing is eventually consistent: a new schedule shows there a moment later.
    const listed = async () => {
      const ids: string[] = [];
      for await (const schedule of client.schedule.list()) ids.push(schedule.scheduleId);
      return ids.filter((id) => id === DAILY_STATS_SCHEDULE_ID).length;
    };
    await expect.poll(listed, { timeout: 10_000, interval: 200 }).toBe(1);
    const handle = client.schedule.getHandle(DAILY_STATS_SCHEDULE_ID);
    const described = await handle.describe();
    expect(described.spec.timezone).toBe('Europe/Kyiv');
    expect(described.spec.calendars?.[0]).toMatchObject({
      hour: [{ start: 0 }],
      minute: [{ start: 15 }],
    });

    await handle.trigger();
    const yesterday = addDays(kyivDayOf(new Date()), -1);
    const deadline = Date.now() + 30_000;
    let rows = await listDailyStats(harness.runtime.database.db, yesterday, yesterday);
    while (rows.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      rows = await listDailyStats(harness.runtime.database.db, yesterday, yesterday);
    }
    expect(rows).toHaveLength(1);
  }, 60_000);
});

describe('the savings report on a seeded month', () => {
  // The rows the schedule would have written; computing them again changes nothing.
  beforeAll(async () => {
    for (const day of daysBetween(FROM, TO)) {
      await aggregateDay(harness.runtime.database.db, day, [SIMPLE_MODEL]);
    }
  }, 60_000);

  it('reconciles with daily_stats and splits the saving by lever', async () => {
    const chart = path.join(outDir, 'savings.svg');
    const output = await costReport('--from', FROM, '--to', TO, '--chart', chart);
    const days = await listDailyStats(harness.runtime.database.db, FROM, TO);
    const dailyCalls = days.reduce((sum, row) => sum + row.calls, 0);
    const dailyTotalNano = days.reduce((sum, row) => sum + parseUsd(row.totalCostUsd), 0);

    expect(output).toContain(`${dailyCalls} calls`);
    const actual = figure(output, 'Actual');
    const baseline = figure(output, 'Baseline');
    const saved = figure(output, 'Saved');
    expect(actual.totalNano).toBe(dailyTotalNano);
    expect(saved.totalNano).toBe(baseline.totalNano - actual.totalNano);

    // The levers the shop pulled each save money, and together make up the whole saving.
    const levers = ['Whisper', 'TTS cache', 'TTS engine', 'Model routing', 'Prompt caching'].map(
      (label) => figure(output, label).totalNano,
    );
    expect(levers.reduce((sum, nano) => sum + nano, 0)).toBe(saved.totalNano);
    expect(levers[0]).toBeGreaterThan(0);
    expect(levers[1]).toBeGreaterThan(0);
    expect(levers[3]).toBeGreaterThan(0);
    expect(saved.totalNano / baseline.totalNano).toBeGreaterThan(0.2);

    const svg = await readFile(chart, 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain(`$${actual.perCall}`);
    expect(svg).toContain(`$${baseline.perCall}`);
  }, 180_000);

  it('reports one day exactly as that day’s daily_stats row', async () => {
    const output = await costReport('--from', '2026-11-10', '--to', '2026-11-10');
    const [row] = await listDailyStats(harness.runtime.database.db, '2026-11-10', '2026-11-10');
    expect(output).toContain(`${row!.calls} calls`);
    expect(figure(output, 'Actual').totalNano).toBe(parseUsd(row!.totalCostUsd));
    expect(figure(output, 'Actual').perCall).toBe(Number(row!.avgCostUsd).toFixed(6));
  }, 120_000);
});
