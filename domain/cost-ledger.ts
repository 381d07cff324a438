import { formatUsd, nanoUsdPerUnit } from './money.js';
import type { NanoUsd } from './money.js';
import type { PricingSnapshot } from './pricing.js';
import type { LlmUsage, SttUsage, TtsUsage } from './usage.js';

/** Thrown when usage names a provider or model the pricing snapshot does not know. */
export class UnknownPriceError extends Error {
  constructor(
    readonly component: 'stt' | 'llm' | 'tts',
    readonly key: string,
    readonly pricingVersion: string,
  ) {
    super(`pricing ${pricingVersion} has no ${component} price for "${key}"`);
    this.name = 'UnknownPriceError';
  }
}

export interface TurnUsage {
  stt: SttUsage;
  llm: LlmUsage[];
  tts: TtsUsage;
}

export interface TurnCost {
  sttNano: NanoUsd;
  llmNano: NanoUsd;
  ttsNano: NanoUsd;
  totalNano: NanoUsd;
}

/** Running totals of one call, in nano-dollars, kept in workflow state. */
export interface CostLedger {
  pricingVersion: string;
  turns: number;
  sttByProvider: Record<string, NanoUsd>;
  llmByModel: Record<string, NanoUsd>;
  ttsByProvider: Record<string, NanoUsd>;
  usage: {
    sttBilledAudioMs: number;
    llmInputTokens: number;
    llmOutputTokens: number;
    llmCacheWriteTokens: number;
    llmCacheReadTokens: number;
    ttsCharacters: number;
    ttsCachedCharacters: number;
    /** Speech-to-text requests, one per turn. */
    sttRequests: number;
    /**
     * Each request's audio duration, in turn order: a provider that rounds every request up
     * (Google's 15 s increments) is priced from these, so the savings report can price the call
     * as if it had gone there.
     */
    sttAudioMsByRequest: number[];
    /**
     * Each turn's speech-to-text wall time as the call saw it (queueing and any fallback
     * included), in turn order, for the STT A/B comparison. Absent from calls recorded before it.
     */
    sttLatencyMsByRequest?: number[];
  };
}

export function emptyLedger(pricingVersion: string): CostLedger {
  return {
    pricingVersion,
    turns: 0,
    sttByProvider: {},
    llmByModel: {},
    ttsByProvider: {},
    usage: {
      sttBilledAudioMs: 0,
      llmInputTokens: 0,
      llmOutputTokens: 0,
      llmCacheWriteTokens: 0,
      llmCacheReadTokens: 0,
      ttsCharacters: 0,
      ttsCachedCharacters: 0,
      sttRequests: 0,
      sttAudioMsByRequest: [],
      sttLatencyMsByRequest: [],
    },
  };
}

export function priceStt(usage: SttUsage, pricing: PricingSnapshot): NanoUsd {
  const price = pricing.stt[usage.provider];
  if (!price) throw new UnknownPriceError('stt', usage.provider, pricing.version);
  const increments = Math.ceil(usage.billedAudioMs / price.billingIncrementMs);
  // Priced on the whole billed duration at once: a per-millisecond unit price would round away
  // a third of Whisper's cost.
  return nanoUsdPerUnit(price.usdPerMinute * increments * price.billingIncrementMs, 60_000);
}

export function priceLlm(usage: LlmUsage, pricing: PricingSnapshot): NanoUsd {
  const price = pricing.llm[usage.model];
  if (!price) throw new UnknownPriceError('llm', usage.model, pricing.version);
  const perToken = (usdPerMTok: number) => nanoUsdPerUnit(usdPerMTok, 1_000_000);
  return (
    usage.inputTokens * perToken(price.inputUsdPerMTok) +
    usage.outputTokens * perToken(price.outputUsdPerMTok) +
    usage.cacheWriteTokens * perToken(price.cacheWriteUsdPerMTok) +
    usage.cacheReadTokens * perToken(price.cacheReadUsdPerMTok)
  );
}

/** A reply served from the TTS cache costs the provider nothing. */
export function priceTts(usage: TtsUsage, pricing: PricingSnapshot): NanoUsd {
  if (usage.cached) return 0;
  const price =
    pricing.tts[`${usage.provider}:${usage.voiceTier ?? ''}`] ?? pricing.tts[usage.provider];
  if (!price) throw new UnknownPriceError('tts', usage.provider, pricing.version);
  return usage.characters * nanoUsdPerUnit(price.usdPerMChars, 1_000_000);
}

/**
 * Prices one turn and returns the ledger with it added (the input ledger is not changed).
 * `timing.sttMs` is the turn's speech-to-text wall time, kept beside its audio duration.
 */
export function addTurn(
  ledger: CostLedger,
  turn: TurnUsage,
  pricing: PricingSnapshot,
  timing?: { sttMs: number },
): { ledger: CostLedger; cost: TurnCost } {
  const sttNano = priceStt(turn.stt, pricing);
  const llmCosts = turn.llm.map((usage) => ({
    model: usage.model,
    nano: priceLlm(usage, pricing),
  }));
  const llmNano = llmCosts.reduce((sum, item) => sum + item.nano, 0);
  const ttsNano = priceTts(turn.tts, pricing);

  // Workflow code has no structuredClone; the ledger is flat enough to copy by hand.
  const next: CostLedger = {
    ...ledger,
    sttByProvider: { ...ledger.sttByProvider },
    llmByModel: { ...ledger.llmByModel },
    ttsByProvider: { ...ledger.ttsByProvider },
    usage: copyUsage(ledger.usage),
  };
  next.turns += 1;
  add(next.sttByProvider, turn.stt.provider, sttNano);
  for (const item of llmCosts) add(next.llmByModel, item.model, item.nano);
  add(next.ttsByProvider, turn.tts.provider, ttsNano);

  next.usage.sttBilledAudioMs += turn.stt.billedAudioMs;
  next.usage.sttRequests += 1;
  next.usage.sttAudioMsByRequest.push(turn.stt.audioMs);
  if (timing) next.usage.sttLatencyMsByRequest?.push(Math.round(timing.sttMs));
  for (const usage of turn.llm) {
    next.usage.llmInputTokens += usage.inputTokens;
    next.usage.llmOutputTokens += usage.outputTokens;
    next.usage.llmCacheWriteTokens += usage.cacheWriteTokens;
    next.usage.llmCacheReadTokens += usage.cacheReadTokens;
  }
  next.usage.ttsCharacters += turn.tts.characters;
  if (turn.tts.cached) next.usage.ttsCachedCharacters += turn.tts.characters;

  return {
    ledger: next,
    cost: { sttNano, llmNano, ttsNano, totalNano: sttNano + llmNano + ttsNano },
  };
}

export function ledgerTotalNano(ledger: CostLedger): NanoUsd {
  return [ledger.sttByProvider, ledger.llmByModel, ledger.ttsByProvider]
    .flatMap((group) => Object.values(group))
    .reduce((sum, nano) => sum + nano, 0);
}

/** The `cost_breakdown` JSON stored with the call: decimal USD strings, never floats. */
export interface CostBreakdown {
  pricingVersion: string;
  turns: number;
  totalUsd: string;
  components: { stt: string; llm: string; tts: string };
  sttByProvider: Record<string, string>;
  llmByModel: Record<string, string>;
  ttsByProvider: Record<string, string>;
  usage: CostLedger['usage'];
}

export function toCostBreakdown(ledger: CostLedger): CostBreakdown {
  const sum = (group: Record<string, NanoUsd>) => Object.values(group).reduce((a, b) => a + b, 0);
  const format = (group: Record<string, NanoUsd>) =>
    Object.fromEntries(Object.entries(group).map(([key, nano]) => [key, formatUsd(nano)]));
  return {
    pricingVersion: ledger.pricingVersion,
    turns: ledger.turns,
    totalUsd: formatUsd(ledgerTotalNano(ledger)),
    components: {
      stt: formatUsd(sum(ledger.sttByProvider)),
      llm: formatUsd(sum(ledger.llmByModel)),
      tts: formatUsd(sum(ledger.ttsByProvider)),
    },
    sttByProvider: format(ledger.sttByProvider),
    llmByModel: format(ledger.llmByModel),
    ttsByProvider: format(ledger.ttsByProvider),
    usage: copyUsage(ledger.usage),
  };
}

function copyUsage(usage: CostLedger['usage']): CostLedger['usage'] {
  const { sttAudioMsByRequest, sttLatencyMsByRequest } = usage;
  return {
    ...usage,
    sttAudioMsByRequest: [...sttAudioMsByRequest],
    ...(sttLatencyMsByRequest ? { sttLatencyMsByRequest: [...sttLatencyMsByRequest] } : {}),
  };
}

function add(group: Record<string, NanoUsd>, key: string, nano: NanoUsd): void {
  group[key] = (group[key] ?? 0) + nano;
}
