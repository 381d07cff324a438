import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { getCall } from '../db/calls-repository.js';
import { addTurn, emptyLedger, toCostBreakdown } from '../domain/cost-ledger.js';
import { callSavings } from '../domain/savings.js';
import { loadPricingWithBaseline } from '../infra/pricing.js';
import { hangupSignal, turnUpdate } from '../workflows/call-messages.js';
import { startCallHarness } from './support/call-harness.js';
import type { CallHarness } from './support/call-harness.js';
import { THREE_PRICED_TURNS, scriptedCostEngines } from './support/scripted-cost-engines.js';

const { pricing, baseline } = loadPricingWithBaseline();

/*
 * The three turns priced by hand from domain/pricing/2026-12-01.json, in nano-dollars:
 * STT  whisper.cpp 3.2 s × $0.0002/min = 10,666.67 → 10,667
 *      google 4.1 s → one 15 s increment × $0.006 = 6,000,000
 *      google 16.5 s → two increments = 12,000,000                       stt  18,010,667
 * LLM  haiku: 120 in × 1,000 + 45 out × 5,000 + 1,800 cache writes × 1,250   = 2,595,000
 *      sonnet: 200 × 3,000 + 60 × 15,000 + 1,800 cache reads × 300         = 2,040,000
 *      sonnet: 150 × 3,000 + 80 × 15,000 + 300 × 3,750 + 1,800 × 300        = 3,315,000
 *                                                                          llm   7,950,000
 * TTS  google standard 40 chars × 4,000 = 160,000; 25 cached = 0; 55 × 4,000 = 220,000
 *                                                                          tts     380,000
 * total 26,340,667 nUSD
 */
const HAND_COMPUTED = {
  totalUsd: '0.026340667',
  components: { stt: '0.018010667', llm: '0.007950000', tts: '0.000380000' },
  sttByProvider: { 'whisper.cpp': '0.000010667', google: '0.018000000' },
  llmByModel: { 'claude-haiku-4-5': '0.002595000', 'claude-sonnet-4-5': '0.005355000' },
  ttsByProvider: { google: '0.000380000' },
};

function ledgerOf(turns = THREE_PRICED_TURNS) {
  let ledger = emptyLedger(pricing.version);
  for (const turn of turns) {
    const usage = {
      stt: turn.stt,
      llm: [{ provider: 'anthropic', ...turn.llm }],
      tts: { provider: 'google', voice: 'uk-UA-Standard-A', voiceTier: 'standard', ...turn.tts },
    };
    ledger = addTurn(ledger, usage, pricing).ledger;
  }
  return ledger;
}

describe('the cost ledger of a scripted call', () => {
  it('equals the hand computation to the nano-dollar', () => {
    const breakdown = toCostBreakdown(ledgerOf());

    expect(breakdown).toMatchObject({ pricingVersion: '2026-12-01', turns: 3, ...HAND_COMPUTED });
    expect(breakdown.usage).toEqual({
      sttBilledAudioMs: 3200 + 15_000 + 30_000,
      llmInputTokens: 470,
      llmOutputTokens: 185,
      llmCacheWriteTokens: 2100,
      llmCacheReadTokens: 3600,
      ttsCharacters: 120,
      ttsCachedCharacters: 25,
      sttRequests: 3,
      sttAudioMsByRequest: [3200, 4100, 16_500],
      sttLatencyMsByRequest: [],
    });
  });

  it('prices the same usage on the all-premium baseline and splits the saving by lever', () => {
    const savings = callSavings(toCostBreakdown(ledgerOf()), pricing, baseline);

    // Google rounds each of the three requests up: 15 s + 15 s + 30 s at $0.006 per 15 s.
    expect(savings.baseline.stt).toBe(24_000_000);
    // Sonnet without caching: (470 + 2,100 + 3,600) input × 3,000 + 185 output × 15,000.
    expect(savings.baseline.llm).toBe(21_285_000);
    // Every character spoken by a Standard voice: 120 × 4,000.
    expect(savings.baseline.tts).toBe(480_000);
    expect(savings.actual.total).toBe(26_340_667);
    expect(savings.levers).toEqual({
      whisper: 24_000_000 - 18_010_667,
      ttsCache: 25 * 4000,
      ttsVoice: 0,
      // Sonnet with the call's own caching: 470 × 3,000 + 185 × 15,000 + 2,100 × 3,750 +
      // 3,600 × 300 = 13,140,000.
      modelRouting: 13_140_000 - 7_950_000,
      promptCaching: 21_285_000 - 13_140_000,
    });
    const leverSum = Object.values(savings.levers).reduce((sum, nano) => sum + nano, 0);
    expect(leverSum).toBe(savings.baseline.total - savings.actual.total);
  });
});

describe('a scripted call through the workflow', () => {
  let harness: CallHarness;

  beforeAll(async () => {
    harness = await startCallHarness({ overrides: scriptedCostEngines(THREE_PRICED_TURNS) });
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('stores total_cost_usd equal to the hand computation, and /metrics counts the same', async () => {
    const handle = await harness.startCall({ language: 'uk' });
    const callId = handle.workflowId.replace(/^call-/, '');
    for (const turn of [1, 2, 3]) {
      const audio = await harness.storeRecording(callId, `utt-${turn}`, 'uk/ast_uk_vm-sorry.wav');
      await handle.executeUpdate(turnUpdate, { args: [{ audio }] });
    }
    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    const summary = await handle.result();

    expect(summary.totalCostUsd).toBe(HAND_COMPUTED.totalUsd);
    const row = await getCall(harness.runtime.database.db, callId);
    expect(row?.totalCostUsd).toBe(HAND_COMPUTED.totalUsd);
    expect(row?.costBreakdown).toMatchObject(HAND_COMPUTED);
    // Each turn's STT wall time, for the A/B report: one figure per utterance, in turn order.
    const latencies = (row?.costBreakdown as { usage: { sttLatencyMsByRequest: number[] } }).usage
      .sttLatencyMsByRequest;
    expect(latencies).toHaveLength(3);
    for (const ms of latencies) expect(ms).toBeGreaterThanOrEqual(0);

    const cost = await harness.runtime.metrics.getSingleMetricAsString('dzvin_cost_usd_total');
    const counted = [...cost.matchAll(/^dzvin_cost_usd_total\{[^}]*\} (\S+)$/gm)]
      .map((match) => Number(match[1]))
      .reduce((sum, value) => sum + value, 0);
    expect(counted).toBeCloseTo(0.026340667, 12);
  });
});
