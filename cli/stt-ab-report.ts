import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { gte } from 'drizzle-orm';

import { openDatabase } from '../db/connect.js';
import { calls } from '../db/schema.js';
import type { Estimate } from '../evaluation/statistics.js';
import { summarizeArms } from '../evaluation/stt-ab.js';
import type { ArmSummary } from '../evaluation/stt-ab.js';
import type { SttEvalReport } from '../evaluation/stt-eval.js';
import { loadConfig, REPO_ROOT } from '../infra/config.js';
import { parseCommandLine } from './command-line.js';

const USAGE = `Usage: npm run stt:ab -- [options]

Compares the STT arms of recorded calls (the calls table's stt_arm): calls, per-utterance STT
latency p50/p95, cost per call (total and STT), share of calls transferred to an operator, and
WER/CER from \`npm run stt:eval\` reports of the same arm. Every figure has a 95 % confidence
interval: latency and cost by percentile bootstrap over calls (2,000 resamples, seeded), WER and
CER by bootstrap over evaluated files, the transfer share by the Wilson score interval.

Options:
  --since <date>     only calls started on or after this date (ISO, e.g. 2026-12-01)
  --eval <file>      an stt:eval JSON report; repeatable (default: out/stt-eval-*.json)
  --json             print the figures as JSON instead of a table
  -h, --help         show this help`;

async function main(): Promise<number> {
  const { values } = parseCommandLine(
    {
      options: {
        since: { type: 'string' },
        eval: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const since = values.since ? new Date(values.since) : undefined;
  if (since && Number.isNaN(since.getTime())) {
    console.error(`--since must be a date like 2026-12-01, not "${values.since}"`);
    return 2;
  }

  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  let rows;
  try {
    rows = await database.db
      .select({
        id: calls.id,
        sttArm: calls.sttArm,
        sttProvider: calls.sttProvider,
        endReason: calls.endReason,
        totalCostUsd: calls.totalCostUsd,
        costBreakdown: calls.costBreakdown,
      })
      .from(calls)
      .where(since ? gte(calls.startedAt, since) : undefined);
  } finally {
    await database.close();
  }

  const reports = await loadEvalReports(values.eval);
  const summaries = summarizeArms(rows, reports);
  if (values.json) {
    console.log(JSON.stringify(summaries, null, 2));
    return 0;
  }
  console.log(
    `${rows.length} calls${since ? ` since ${values.since}` : ''}, ${reports.length} eval report(s)\n`,
  );
  printTable(summaries);
  return 0;
}

async function loadEvalReports(files: string[] | undefined): Promise<SttEvalReport[]> {
  let paths = files?.map((file) => path.resolve(file));
  if (!paths) {
    const outDir = path.join(REPO_ROOT, 'out');
    const names = await readdir(outDir).catch(() => [] as string[]);
    paths = names
      .filter((name) => /^stt-eval-.+\.json$/.test(name))
      .map((n) => path.join(outDir, n));
  }
  return Promise.all(
    paths.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as SttEvalReport),
  );
}

function printTable(summaries: ArmSummary[]): void {
  const rows: [string, (s: ArmSummary) => string][] = [
    ['calls', (s) => String(s.calls)],
    ['utterances with latency', (s) => String(s.utterances)],
    ['STT latency p50, ms', (s) => interval(s.latencyP50Ms, 0)],
    ['STT latency p95, ms', (s) => interval(s.latencyP95Ms, 0)],
    ['cost per call, USD', (s) => interval(s.costPerCallUsd, 5)],
    ['STT cost per call, USD', (s) => interval(s.sttCostPerCallUsd, 5)],
    ['transferred to operator, %', (s) => interval(scale(s.transferRate, 100), 1)],
    ['WER, %', (s) => (s.wer ? interval(scale(s.wer, 100), 1) : 'no references')],
    ['CER, %', (s) => (s.cer ? interval(scale(s.cer, 100), 1) : 'no references')],
    ['evaluated files', (s) => String(s.evalFiles ?? 0)],
  ];
  const width = 30;
  console.log(['arm'.padEnd(28), ...summaries.map((s) => s.arm.padStart(width))].join(''));
  for (const [label, cell] of rows) {
    console.log([label.padEnd(28), ...summaries.map((s) => cell(s).padStart(width))].join(''));
  }
  console.log('\nIntervals are 95 %: value [low, high].');
}

function interval(estimate: Estimate, digits: number): string {
  if (estimate.n === 0 || Number.isNaN(estimate.value)) return 'no data';
  const f = (value: number) => (Number.isNaN(value) ? '?' : value.toFixed(digits));
  return `${f(estimate.value)} [${f(estimate.low)}, ${f(estimate.high)}]`;
}

function scale(estimate: Estimate, factor: number): Estimate {
  return {
    ...estimate,
    value: estimate.value * factor,
    low: estimate.low * factor,
    high: estimate.high * factor,
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
