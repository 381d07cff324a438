import { errorRate, sumErrors } from './error-rates.js';
import { bootstrap, mean, percentile, wilson } from './statistics.js';
import type { Estimate } from './statistics.js';
import type { SttEvalReport } from './stt-eval.js';

/** The columns of a `calls` row the A/B report reads. */
export interface AbCallRow {
  id: string;
  sttArm: string | null;
  sttProvider: string;
  endReason: string | null;
  totalCostUsd: string;
  costBreakdown: Record<string, unknown>;
}

/** One arm's figures, each with a 95 % confidence interval. */
export interface ArmSummary {
  arm: string;
  calls: number;
  /** Turns whose STT latency was recorded. */
  utterances: number;
  /** Percentiles of per-utterance STT latency, ms; CI by bootstrap over calls. */
  latencyP50Ms: Estimate;
  latencyP95Ms: Estimate;
  /** Mean cost per call, USD; CI by bootstrap over calls. */
  costPerCallUsd: Estimate;
  sttCostPerCallUsd: Estimate;
  /** Share of calls handed to an operator; Wilson interval. */
  transferRate: Estimate;
  /** From `stt:eval` reports for this arm; CI by bootstrap over files. */
  wer?: Estimate;
  cer?: Estimate;
  evalFiles?: number;
}

/**
 * Where per-utterance STT latency is read from: `cost_breakdown.usage.sttLatencyMsByRequest`, an
 * array beside `sttAudioMsByRequest` with the STT stage's wall time of each turn as the workflow
 * saw it (queueing and fallback included). Calls recorded without it add no latency samples.
 */
export function sttLatenciesOf(row: AbCallRow): number[] {
  const usage = row.costBreakdown.usage as { sttLatencyMsByRequest?: unknown } | undefined;
  const latencies = usage?.sttLatencyMsByRequest;
  if (!Array.isArray(latencies)) return [];
  return latencies.filter((value): value is number => typeof value === 'number');
}

/**
 * Summarizes calls per arm (`stt_arm`, else the provider for calls recorded before arms existed)
 * and attaches word and character error rates from evaluation reports of the same arm.
 */
export function summarizeArms(
  rows: readonly AbCallRow[],
  evalReports: readonly SttEvalReport[] = [],
): ArmSummary[] {
  const byArm = new Map<string, AbCallRow[]>();
  for (const row of rows) {
    const arm = row.sttArm ?? row.sttProvider;
    byArm.set(arm, [...(byArm.get(arm) ?? []), row]);
  }
  for (const report of evalReports) if (!byArm.has(report.arm)) byArm.set(report.arm, []);

  return [...byArm.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([arm, calls]) => {
      const latencyByCall = calls.map(sttLatenciesOf).filter((list) => list.length > 0);
      const pooled = (sample: readonly number[][]) => sample.flat();
      const files = evalReports.filter((report) => report.arm === arm).flatMap((r) => r.files);
      const summary: ArmSummary = {
        arm,
        calls: calls.length,
        utterances: latencyByCall.reduce((sum, list) => sum + list.length, 0),
        latencyP50Ms: bootstrap(latencyByCall, (s) => percentile(pooled(s), 0.5)),
        latencyP95Ms: bootstrap(latencyByCall, (s) => percentile(pooled(s), 0.95)),
        costPerCallUsd: bootstrap(calls.map(totalCost), mean),
        sttCostPerCallUsd: bootstrap(calls.map(sttCost), mean),
        transferRate: wilson(
          calls.filter((call) => call.endReason === 'transferred').length,
          calls.length,
        ),
      };
      if (files.length > 0) {
        summary.evalFiles = files.length;
        summary.wer = bootstrap(files, (s) => errorRate(sumErrors(s.map((f) => f.words))));
        summary.cer = bootstrap(files, (s) => errorRate(sumErrors(s.map((f) => f.characters))));
      }
      return summary;
    });
}

function totalCost(row: AbCallRow): number {
  return Number(row.totalCostUsd);
}

function sttCost(row: AbCallRow): number {
  const components = row.costBreakdown.components as { stt?: unknown } | undefined;
  return Number(components?.stt ?? 0);
}
