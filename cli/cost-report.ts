import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { openDatabase } from '../db/connect.js';
import { listCallCosts } from '../db/cost-report-repository.js';
import { isDay } from '../domain/kyiv-day.js';
import { loadConfig } from '../infra/config.js';
import { CURRENT_PRICING_FILE, loadPricingWithBaseline, pricingFileFor } from '../infra/pricing.js';
import { savingsChartSvg } from '../reports/savings-chart.js';
import { buildSavingsReport, formatSavingsTable } from '../reports/savings-report.js';
import type { PriceLists } from '../reports/savings-report.js';
import { parseCommandLine } from './command-line.js';

const USAGE =
  'usage: npm run cost:report -- --from YYYY-MM-DD --to YYYY-MM-DD [--chart out/savings.svg]';

/** Each pricing version's file is read once, however many calls name it. */
function priceListsFromFiles(): PriceLists {
  const cache = new Map<string, ReturnType<typeof loadPricingWithBaseline>>();
  return (version) => {
    let lists = cache.get(version);
    if (!lists) {
      lists = loadPricingWithBaseline(pricingFileFor(version));
      cache.set(version, lists);
    }
    return lists;
  };
}

/**
 * Prints what the calls of a period cost, what the all-premium baseline would have cost for the
 * same usage, and the saving by lever; optionally draws it as an SVG chart.
 */
async function main(): Promise<void> {
  const { values } = parseCommandLine(
    {
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        chart: { type: 'string' },
      },
    },
    USAGE,
  );
  const { from, to } = values;
  if (!from || !to || !isDay(from) || !isDay(to) || from > to) {
    throw new Error(`--from and --to must be days, from ≤ to\n${USAGE}`);
  }

  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const calls = await listCallCosts(database.db, from, to);
    const report = buildSavingsReport(calls, {
      from,
      to,
      priceLists: priceListsFromFiles(),
      currentVersion: loadPricingWithBaseline(CURRENT_PRICING_FILE).pricing.version,
    });
    process.stdout.write(formatSavingsTable(report));
    if (values.chart) {
      await mkdir(path.dirname(path.resolve(values.chart)), { recursive: true });
      await writeFile(values.chart, savingsChartSvg(report));
      process.stdout.write(`\nchart: ${values.chart}\n`);
    }
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
