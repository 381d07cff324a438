import { priceLlm, priceStt, priceTts } from './cost-ledger.js';
import type { CostBreakdown } from './cost-ledger.js';
import { parseUsd } from './money.js';
import type { NanoUsd } from './money.js';
import type { BaselineSetup, PricingSnapshot } from './pricing.js';

/** The levers dzvin pulls to cost less than the all-premium baseline, in report order. */
export const LEVERS = ['whisper', 'ttsCache', 'ttsVoice', 'modelRouting', 'promptCaching'] as const;
export type Lever = (typeof LEVERS)[number];

/** One call, or a sum of calls: what it cost, what the baseline would have cost, and why. */
export interface SavingsFigures {
  calls: number;
  actual: { stt: NanoUsd; llm: NanoUsd; tts: NanoUsd; total: NanoUsd };
  baseline: { stt: NanoUsd; llm: NanoUsd; tts: NanoUsd; total: NanoUsd };
  /** Baseline minus actual, split so the levers add up to the whole saving exactly. */
  levers: Record<Lever, NanoUsd>;
  /** Calls stored before per-request STT durations were kept; their STT baseline is estimated. */
  estimatedSttCalls: number;
}

/** A stored `cost_breakdown`, which may predate fields added to the ledger since. */
export type StoredBreakdown = Omit<CostBreakdown, 'usage'> & {
  usage: Omit<CostBreakdown['usage'], 'sttRequests' | 'sttAudioMsByRequest'> &
    Partial<Pick<CostBreakdown['usage'], 'sttRequests' | 'sttAudioMsByRequest'>>;
};

/**
 * Prices one call's usage as the baseline setup would have, from its stored breakdown and the
 * price list it was priced with. Levers:
 * - whisper: baseline STT minus actual STT (zero for calls that stayed on Google);
 * - ttsCache: the cached characters at the baseline voice's price;
 * - ttsVoice: what remains of the TTS difference (a cheaper voice or engine than the baseline);
 * - modelRouting: the call's own tokens, caching included, on the baseline model, minus actual;
 * - promptCaching: the baseline model without caching minus with it (negative when writes
 *   outweigh reads).
 */
export function callSavings(
  breakdown: StoredBreakdown,
  pricing: PricingSnapshot,
  baseline: BaselineSetup,
): SavingsFigures {
  const usage = breakdown.usage;
  const actual = {
    stt: parseUsd(breakdown.components.stt),
    llm: parseUsd(breakdown.components.llm),
    tts: parseUsd(breakdown.components.tts),
    total: parseUsd(breakdown.totalUsd),
  };

  const perRequest = usage.sttAudioMsByRequest;
  const estimated = perRequest === undefined && breakdown.turns > 0;
  // Limitation: without per-request durations every turn is taken as equally long, which
  // underestimates the baseline's rounding when turn lengths vary.
  const durations =
    perRequest ??
    Array.from({ length: breakdown.turns }, () => usage.sttBilledAudioMs / breakdown.turns);
  const sttOf = (audioMs: number) =>
    priceStt({ provider: baseline.stt, audioMs, billedAudioMs: Math.ceil(audioMs) }, pricing);
  const baselineStt = durations.reduce((sum, audioMs) => sum + sttOf(audioMs), 0);

  const tokens = {
    provider: 'baseline',
    model: baseline.llmModel,
    inputTokens: usage.llmInputTokens,
    outputTokens: usage.llmOutputTokens,
    cacheWriteTokens: usage.llmCacheWriteTokens,
    cacheReadTokens: usage.llmCacheReadTokens,
  };
  const baselineWithCaching = priceLlm(tokens, pricing);
  const baselineLlm = baseline.promptCaching
    ? baselineWithCaching
    : priceLlm(
        {
          ...tokens,
          inputTokens: tokens.inputTokens + tokens.cacheWriteTokens + tokens.cacheReadTokens,
          cacheWriteTokens: 0,
          cacheReadTokens: 0,
        },
        pricing,
      );

  const [ttsProvider = '', voiceTier] = baseline.tts.split(':');
  const ttsOf = (characters: number) =>
    priceTts(
      { provider: ttsProvider, voice: 'baseline', voiceTier, characters, cached: false },
      pricing,
    );
  const baselineTts = ttsOf(usage.ttsCharacters);
  const ttsCache = baseline.ttsCache ? 0 : ttsOf(usage.ttsCachedCharacters);

  return {
    calls: 1,
    actual,
    baseline: {
      stt: baselineStt,
      llm: baselineLlm,
      tts: baselineTts,
      total: baselineStt + baselineLlm + baselineTts,
    },
    levers: {
      whisper: baselineStt - actual.stt,
      ttsCache,
      ttsVoice: baselineTts - ttsCache - actual.tts,
      modelRouting: baselineWithCaching - actual.llm,
      promptCaching: baselineLlm - baselineWithCaching,
    },
    estimatedSttCalls: estimated ? 1 : 0,
  };
}

/** Figures of no call, to sum into. */
export function noSavings(): SavingsFigures {
  const zero = () => ({ stt: 0, llm: 0, tts: 0, total: 0 });
  return {
    calls: 0,
    actual: zero(),
    baseline: zero(),
    levers: Object.fromEntries(LEVERS.map((lever) => [lever, 0])) as Record<Lever, NanoUsd>,
    estimatedSttCalls: 0,
  };
}

/** The sum of two sets of figures; exact, since every amount is whole nano-dollars. */
export function addSavings(a: SavingsFigures, b: SavingsFigures): SavingsFigures {
  const parts = (x: SavingsFigures['actual'], y: SavingsFigures['actual']) => ({
    stt: x.stt + y.stt,
    llm: x.llm + y.llm,
    tts: x.tts + y.tts,
    total: x.total + y.total,
  });
  return {
    calls: a.calls + b.calls,
    actual: parts(a.actual, b.actual),
    baseline: parts(a.baseline, b.baseline),
    levers: Object.fromEntries(
      LEVERS.map((lever) => [lever, a.levers[lever] + b.levers[lever]]),
    ) as Record<Lever, NanoUsd>,
    estimatedSttCalls: a.estimatedSttCalls + b.estimatedSttCalls,
  };
}
