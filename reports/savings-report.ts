import type { CallCostRow } from '../db/cost-report-repository.js';
import { formatUsd, NANO_PER_USD } from '../domain/money.js';
import type { NanoUsd } from '../domain/money.js';
import type { BaselineSetup, PricingSnapshot } from '../domain/pricing.js';
import { LEVERS, addSavings, callSavings, noSavings } from '../domain/savings.js';
import type { Lever, SavingsFigures, StoredBreakdown } from '../domain/savings.js';

/** The savings of a period: per Kyiv day and in total, against the baseline of each call. */
export interface SavingsReport {
  from: string;
  to: string;
  total: SavingsFigures;
  byDay: Map<string, SavingsFigures>;
  pricingVersions: string[];
  baseline: BaselineSetup;
}

/** The price list (and its baseline) of a pricing version, e.g. read from domain/pricing/. */
export type PriceLists = (version: string) => { pricing: PricingSnapshot; baseline: BaselineSetup };

/** What each lever is called in the report and on the chart. */
export const LEVER_LABELS: Record<Lever, string> = {
  whisper: 'Whisper instead of Google STT',
  ttsCache: 'TTS cache',
  ttsVoice: 'TTS engine or voice below baseline',
  modelRouting: 'Model routing (Haiku)',
  promptCaching: 'Prompt caching',
};

/**
 * Prices every call against the baseline of the price list it was priced with, so a period that
 * spans a price change compares like with like.
 */
export function buildSavingsReport(
  calls: CallCostRow[],
  options: { from: string; to: string; priceLists: PriceLists; currentVersion: string },
): SavingsReport {
  const byDay = new Map<string, SavingsFigures>();
  let total = noSavings();
  const versions = new Set<string>();
  for (const call of calls) {
    const { pricing, baseline } = options.priceLists(call.pricingVersion);
    versions.add(call.pricingVersion);
    const figures = callSavings(
      call.costBreakdown as unknown as StoredBreakdown,
      pricing,
      baseline,
    );
    total = addSavings(total, figures);
    byDay.set(call.day, addSavings(byDay.get(call.day) ?? noSavings(), figures));
  }
  return {
    from: options.from,
    to: options.to,
    total,
    byDay,
    pricingVersions: [...versions].sort(),
    baseline: options.priceLists(options.currentVersion).baseline,
  };
}

/** Nano-dollars per call as USD with six places; empty periods read as zero. */
export function perCallUsd(nano: NanoUsd, calls: number): string {
  return calls === 0 ? '0.000000' : (nano / calls / NANO_PER_USD).toFixed(6);
}

function percentOf(part: NanoUsd, whole: NanoUsd): string {
  return whole === 0 ? '–' : `${((part / whole) * 100).toFixed(1)}%`;
}

/** The report as a plain-text table for a terminal. */
export function formatSavingsTable(report: SavingsReport): string {
  const { total, baseline } = report;
  const saved = total.baseline.total - total.actual.total;
  const rows: [string, NanoUsd, string][] = [
    ['Baseline (all premium)', total.baseline.total, '100.0%'],
    ['Actual', total.actual.total, percentOf(total.actual.total, total.baseline.total)],
    ['Saved', saved, percentOf(saved, total.baseline.total)],
    ...LEVERS.map((lever): [string, NanoUsd, string] => [
      `  ${LEVER_LABELS[lever]}`,
      total.levers[lever],
      percentOf(total.levers[lever], total.baseline.total),
    ]),
  ];
  const component = (name: 'stt' | 'llm' | 'tts') =>
    `  ${name.toUpperCase()}: actual ${formatUsd(total.actual[name])}, ` +
    `baseline ${formatUsd(total.baseline[name])}`;

  const lines = [
    `dzvin savings ${report.from} … ${report.to} (Kyiv days): ${total.calls} calls, ` +
      `pricing ${report.pricingVersions.join(', ') || 'none'}`,
    `Baseline: ${baseline.stt} STT, no TTS cache at ${baseline.tts}, ${baseline.llmModel} only, ` +
      `${baseline.promptCaching ? 'with' : 'no'} prompt caching`,
    '',
    `${'Figure'.padEnd(38)}${'Total USD'.padStart(16)}${'Per call USD'.padStart(15)}` +
      `${'Of baseline'.padStart(13)}`,
    ...rows.map(
      ([label, nano, share]) =>
        `${label.padEnd(38)}${formatUsd(nano).padStart(16)}` +
        `${perCallUsd(nano, total.calls).padStart(15)}${share.padStart(13)}`,
    ),
    '',
    'By component:',
    component('stt'),
    component('llm'),
    component('tts'),
  ];
  if (total.estimatedSttCalls > 0) {
    lines.push(
      '',
      `${total.estimatedSttCalls} calls predate per-request STT durations: their Google ` +
        'baseline assumes turns of equal length and is a lower bound.',
    );
  }
  return `${lines.join('\n')}\n`;
}
