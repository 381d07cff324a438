import { describe, expect, it } from 'vitest';

import { createLlmMetrics } from '../infra/llm-metrics.js';
import { createMetricsRegistry } from '../infra/metrics.js';

import type { Registry } from 'prom-client';

const HAIKU = 'claude-haiku-4-5';
const SONNET = 'claude-sonnet-4-5';

function isolatedRegistry(): Registry {
  return createMetricsRegistry({ defaultMetrics: false });
}

/** The value of one series in the registry's text output, or undefined when it is absent. */
async function series(
  registry: Registry,
  name: string,
  labels: string,
): Promise<number | undefined> {
  const text = await registry.metrics();
  const line = text.split('\n').find((row) => row.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('LLM metrics', () => {
  it('count calls by the model they were routed to and by scenario', async () => {
    const registry = isolatedRegistry();
    const metrics = createLlmMetrics(registry);

    metrics.recordCallStart({ model: HAIKU, scenario: 'order_status' });
    metrics.recordCallStart({ model: HAIKU, scenario: 'order_status' });
    metrics.recordCallStart({ model: SONNET, scenario: 'comparison' });

    expect(
      await series(registry, 'dzvin_llm_calls_total', `model="${HAIKU}",scenario="order_status"`),
    ).toBe(2);
    expect(
      await series(registry, 'dzvin_llm_calls_total', `model="${SONNET}",scenario="comparison"`),
    ).toBe(1);
  });

  it('add up turns, tokens by kind and cost in USD by model', async () => {
    const registry = isolatedRegistry();
    const metrics = createLlmMetrics(registry);
    const usage = {
      model: SONNET,
      inputTokens: 1200,
      outputTokens: 80,
      cacheWriteTokens: 0,
      cacheReadTokens: 3000,
    };

    metrics.recordTurn({ usage, costNanoUsd: 5_700_000, latencyMs: 1800 });
    metrics.recordTurn({ usage, costNanoUsd: 5_700_000, latencyMs: 2600 });

    expect(await series(registry, 'dzvin_llm_turns_total', `model="${SONNET}"`)).toBe(2);
    expect(await series(registry, 'dzvin_llm_cost_usd_total', `model="${SONNET}"`)).toBeCloseTo(
      0.0114,
      9,
    );
    expect(await series(registry, 'dzvin_llm_tokens_total', `model="${SONNET}",kind="input"`)).toBe(
      2400,
    );
    expect(
      await series(registry, 'dzvin_llm_tokens_total', `model="${SONNET}",kind="cache_read"`),
    ).toBe(6000);
    // A kind the turns never used gets no series rather than a row of zeros.
    expect(
      await series(registry, 'dzvin_llm_tokens_total', `model="${SONNET}",kind="cache_write"`),
    ).toBeUndefined();
    expect(await series(registry, 'dzvin_llm_turn_seconds_count', `model="${SONNET}"`)).toBe(2);
    expect(await series(registry, 'dzvin_llm_turn_seconds_sum', `model="${SONNET}"`)).toBeCloseTo(
      4.4,
      6,
    );
  });

  it('count escalations from the small model by reason', async () => {
    const registry = isolatedRegistry();
    const metrics = createLlmMetrics(registry);

    metrics.recordEscalation('cannot-cope');
    metrics.recordEscalation('model-failure');
    metrics.recordEscalation('cannot-cope');

    expect(await series(registry, 'dzvin_llm_escalations_total', 'reason="cannot-cope"')).toBe(2);
    expect(await series(registry, 'dzvin_llm_escalations_total', 'reason="model-failure"')).toBe(1);
  });

  it('share series when two engines in one process register on the same registry', async () => {
    const registry = isolatedRegistry();

    createLlmMetrics(registry).recordEscalation('cannot-cope');
    createLlmMetrics(registry).recordEscalation('cannot-cope');

    expect(await series(registry, 'dzvin_llm_escalations_total', 'reason="cannot-cope"')).toBe(2);
  });

  it('leave other registries untouched', async () => {
    const mine = isolatedRegistry();
    const other = isolatedRegistry();

    createLlmMetrics(mine).recordCallStart({ model: HAIKU, scenario: 'greeting' });

    expect(await other.metrics()).not.toContain('dzvin_llm_calls_total');
  });
});
