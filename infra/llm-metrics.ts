import { Counter, Histogram } from 'prom-client';

import { NANO_PER_USD } from '../domain/money.js';

import type { NanoUsd } from '../domain/money.js';
import type { RoutingScenario } from '../domain/routing-patterns.js';
import type { LlmUsage } from '../domain/usage.js';
import type { Metric, Registry } from 'prom-client';

/**
 * Why a call moved from the small model to the large one: the small model failed for good
 * (`model-failure`) or said it cannot cope (`cannot-cope`). Other reasons are counted as given.
 */
export type LlmEscalationReason = 'model-failure' | 'cannot-cope' | (string & {});

/** One finished model turn, as the LLM activity reports it. */
export interface LlmTurnRecord {
  usage: Pick<
    LlmUsage,
    'model' | 'inputTokens' | 'outputTokens' | 'cacheWriteTokens' | 'cacheReadTokens'
  >;
  /** Priced with the call's pricing snapshot (domain/pricing.ts). */
  costNanoUsd: NanoUsd;
  /** Wall time of the model request; left out when the caller did not measure it. */
  latencyMs?: number;
}

/**
 * LLM routing and spend, as Prometheus metrics. The share of calls on the small model is
 * `sum by (model) (rate(dzvin_llm_calls_total[1h])) / ignoring(model) group_left
 * sum(rate(dzvin_llm_calls_total[1h]))`; cost per model is `dzvin_llm_cost_usd_total`.
 */
export interface LlmMetrics {
  /** Counts a call routed to `model` for `scenario` when its first phrase is classified. */
  recordCallStart(call: { model: string; scenario: RoutingScenario }): void;
  /** Counts a model turn with its tokens, cost and, when given, latency. */
  recordTurn(turn: LlmTurnRecord): void;
  /** Counts a move from the small model to the large one. */
  recordEscalation(reason: LlmEscalationReason): void;
}

/** Token kinds as they appear in the `kind` label. */
const TOKEN_KINDS = [
  ['input', 'inputTokens'],
  ['output', 'outputTokens'],
  ['cache_write', 'cacheWriteTokens'],
  ['cache_read', 'cacheReadTokens'],
] as const;

/**
 * Model turns last from a fraction of a second (a Haiku yes/no) to tens of seconds (a Sonnet
 * answer after several tool calls); the buckets spread over that range.
 */
const TURN_SECONDS_BUCKETS = [0.25, 0.5, 1, 1.5, 2, 3, 5, 8, 13, 21, 34];

/**
 * Registers the LLM metrics on `registry`, or reuses those already there, so that several
 * engines in one process report into the same series.
 */
export function createLlmMetrics(registry: Registry): LlmMetrics {
  const calls = reuse(
    registry,
    'dzvin_llm_calls_total',
    () =>
      new Counter({
        name: 'dzvin_llm_calls_total',
        help: 'Calls by the model their first phrase was routed to, and by scenario',
        labelNames: ['model', 'scenario'],
        registers: [registry],
      }),
  );
  const turns = reuse(
    registry,
    'dzvin_llm_turns_total',
    () =>
      new Counter({
        name: 'dzvin_llm_turns_total',
        help: 'Model turns by model',
        labelNames: ['model'],
        registers: [registry],
      }),
  );
  const escalations = reuse(
    registry,
    'dzvin_llm_escalations_total',
    () =>
      new Counter({
        name: 'dzvin_llm_escalations_total',
        help: 'Calls moved from the small model to the large one, by reason',
        labelNames: ['reason'],
        registers: [registry],
      }),
  );
  const costUsd = reuse(
    registry,
    'dzvin_llm_cost_usd_total',
    () =>
      new Counter({
        name: 'dzvin_llm_cost_usd_total',
        help: 'LLM spend in USD by model, priced with each call’s pricing snapshot',
        labelNames: ['model'],
        registers: [registry],
      }),
  );
  const tokens = reuse(
    registry,
    'dzvin_llm_tokens_total',
    () =>
      new Counter({
        name: 'dzvin_llm_tokens_total',
        help: 'Tokens by model and kind (input, output, cache_write, cache_read)',
        labelNames: ['model', 'kind'],
        registers: [registry],
      }),
  );
  const turnSeconds = reuse(
    registry,
    'dzvin_llm_turn_seconds',
    () =>
      new Histogram({
        name: 'dzvin_llm_turn_seconds',
        help: 'Wall time of one model turn, by model',
        labelNames: ['model'],
        buckets: TURN_SECONDS_BUCKETS,
        registers: [registry],
      }),
  );

  return {
    recordCallStart({ model, scenario }) {
      calls.inc({ model, scenario });
    },
    recordTurn({ usage, costNanoUsd, latencyMs }) {
      const { model } = usage;
      turns.inc({ model });
      // A counter only goes up; a negative amount would mean a pricing bug, not a refund.
      if (costNanoUsd > 0) costUsd.inc({ model }, costNanoUsd / NANO_PER_USD);
      for (const [kind, field] of TOKEN_KINDS) {
        if (usage[field] > 0) tokens.inc({ model, kind }, usage[field]);
      }
      if (latencyMs !== undefined) turnSeconds.observe({ model }, latencyMs / 1000);
    },
    recordEscalation(reason) {
      escalations.inc({ reason });
    },
  };
}

function reuse<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
