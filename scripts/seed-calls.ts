import { parseArgs } from 'node:util';

import { seedCalls } from '../db/call-seed.js';
import { openDatabase } from '../db/connect.js';
import { aggregateDay } from '../db/daily-stats-repository.js';
import { daysBetween, isDay } from '../domain/kyiv-day.js';
import { loadConfig } from '../infra/config.js';
import { loadPricing } from '../infra/pricing.js';

const USAGE =
  'usage: npm run seed:calls -- --from 2026-11-01 --to 2026-11-30 ' +
  '[--calls-per-day 120] [--seed 1] [--daily-stats]';

/**
 * Fills `calls` with a realistic, reproducible month of priced calls for the cost report and the
 * dashboards; `--daily-stats` also computes their `daily_stats` rows, as the schedule would.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      'calls-per-day': { type: 'string', default: '120' },
      seed: { type: 'string', default: '1' },
      'daily-stats': { type: 'boolean', default: false },
    },
  });
  const { from, to } = values;
  const callsPerDay = Number(values['calls-per-day']);
  const seed = Number(values.seed);
  if (!from || !to || !isDay(from) || !isDay(to) || from > to) throw new Error(USAGE);
  if (!Number.isInteger(callsPerDay) || callsPerDay < 1 || !Number.isInteger(seed)) {
    throw new Error(`--calls-per-day and --seed must be whole numbers\n${USAGE}`);
  }

  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const rows = await seedCalls(database.db, {
      from,
      to,
      callsPerDay,
      seed,
      pricing: loadPricing(),
      simpleModel: config.anthropic.simpleModel,
      complexModel: config.anthropic.complexModel,
    });
    console.log(`seeded ${rows.length} calls from ${from} to ${to} (${database.kind})`);
    if (values['daily-stats']) {
      for (const day of daysBetween(from, to)) {
        await aggregateDay(database.db, day, [config.anthropic.simpleModel]);
      }
      console.log(`computed daily_stats for ${daysBetween(from, to).length} days`);
    }
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
