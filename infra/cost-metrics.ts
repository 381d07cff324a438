import { Counter, Histogram } from 'prom-client';
import type { Metric, Registry } from 'prom-client';

import { priceLlm, priceStt, priceTts } from '../domain/cost-ledger.js';
import { NANO_PER_USD } from '../domain/money.js';
import { parseUsd } from '../domain/money.js';
import type { PricingSnapshot } from '../domain/pricing.js';
import type { LlmUsage, SttUsage, TtsUsage } from '../domain/usage.js';

/** The call stages whose latency is measured. */
export type Stage = 'stt' | 'llm' | 'tts';

/**
 * Cost and usage metrics of the calls this process serves, on its own registry. Stage activities
 * count cost and usage as each turn's stage finishes, so spend shows while calls are still going;
 * the call-record activity counts whole calls (tokens by model: infra/llm-metrics.ts). Amounts
 * are USD as floats: Prometheus has no other number type, and the exact figures live in Postgres.
 */
export interface CostMetrics {
  recordStt(usage: SttUsage, elapsedMs: number): void;
  recordLlm(usage: LlmUsage, elapsedMs: number): void;
  recordTts(usage: TtsUsage, elapsedMs: number): void;
  recordCall(call: { sttArm: string; llmModels: string[]; totalCostUsd: string }): void;
}

/**
 * Latency buckets in seconds: a turn's stages should finish within about a second each, and a
 * caller gives up on silence after about ten.
 */
const LATENCY_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20];

/**
 * Call cost buckets in USD: a short Haiku call with Whisper costs about half a cent, a long
 * all-premium call about ten cents.
 */
const CALL_COST_BUCKETS_USD = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5];

/** Creates the metrics on `registry`, or returns those already there. */
export function createCostMetrics(registry: Registry, pricing: PricingSnapshot): CostMetrics {
  const cost = reuse(
    registry,
    'dzvin_cost_usd_total',
    () =>
      new Counter({
        name: 'dzvin_cost_usd_total',
        help: 'Provider cost of call stages, in USD, at the price list in force',
        labelNames: ['component', 'provider', 'model'],
        registers: [registry],
      }),
  );
  const sttSeconds = reuse(
    registry,
    'dzvin_stt_audio_seconds_total',
    () =>
      new Counter({
        name: 'dzvin_stt_audio_seconds_total',
        help: 'Caller audio sent to speech-to-text, in seconds',
        labelNames: ['provider'],
        registers: [registry],
      }),
  );
  const ttsCharacters = reuse(
    registry,
    'dzvin_tts_characters_total',
    () =>
      new Counter({
        name: 'dzvin_tts_characters_total',
        help: 'Reply characters spoken, by whether the audio came from the TTS cache',
        labelNames: ['provider', 'cached'],
        registers: [registry],
      }),
  );
  const stageLatency = reuse(
    registry,
    'dzvin_stage_latency_seconds',
    () =>
      new Histogram({
        name: 'dzvin_stage_latency_seconds',
        help: 'Time a call stage took inside its activity, in seconds',
        labelNames: ['stage', 'provider'],
        buckets: LATENCY_BUCKETS_S,
        registers: [registry],
      }),
  );
  const callCost = reuse(
    registry,
    'dzvin_call_cost_usd',
    () =>
      new Histogram({
        name: 'dzvin_call_cost_usd',
        help: 'Total provider cost of each finished call, in USD',
        labelNames: ['stt_arm'],
        buckets: CALL_COST_BUCKETS_USD,
        registers: [registry],
      }),
  );
  const calls = reuse(
    registry,
    'dzvin_calls_total',
    () =>
      new Counter({
        name: 'dzvin_calls_total',
        help: 'Finished calls by STT arm and by the last model that answered',
        labelNames: ['stt_arm', 'llm_model'],
        registers: [registry],
      }),
  );

  const usd = (nano: number) => nano / NANO_PER_USD;
  const latency = (stage: Stage, provider: string, elapsedMs: number) =>
    stageLatency.observe({ stage, provider }, elapsedMs / 1000);

  return {
    recordStt(usage, elapsedMs) {
      const labels = { component: 'stt', provider: usage.provider, model: '' };
      cost.inc(labels, usd(priceStt(usage, pricing)));
      sttSeconds.inc({ provider: usage.provider }, usage.audioMs / 1000);
      latency('stt', usage.provider, elapsedMs);
    },
    recordLlm(usage, elapsedMs) {
      const labels = { component: 'llm', provider: usage.provider, model: usage.model };
      cost.inc(labels, usd(priceLlm(usage, pricing)));
      latency('llm', usage.provider, elapsedMs);
    },
    recordTts(usage, elapsedMs) {
      const model = usage.voiceTier ?? '';
      cost.inc(
        { component: 'tts', provider: usage.provider, model },
        usd(priceTts(usage, pricing)),
      );
      ttsCharacters.inc(
        { provider: usage.provider, cached: String(usage.cached) },
        usage.characters,
      );
      latency('tts', usage.provider, elapsedMs);
    },
    recordCall(call) {
      const totalUsd = usd(parseUsd(call.totalCostUsd));
      callCost.observe({ stt_arm: call.sttArm }, totalUsd);
      // The last model is the one the call settled on: routing only ever escalates.
      const model = call.llmModels.at(-1) ?? 'none';
      calls.inc({ stt_arm: call.sttArm, llm_model: model });
    },
  };
}

function reuse<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
