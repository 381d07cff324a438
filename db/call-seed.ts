import { upsertCall } from './calls-repository.js';
import type { Database } from './connect.js';
import type { NewCall } from './schema.js';
import { addTurn, emptyLedger, toCostBreakdown } from '../domain/cost-ledger.js';
import type { TurnUsage } from '../domain/cost-ledger.js';
import { daysBetween } from '../domain/kyiv-day.js';
import type { PricingSnapshot } from '../domain/pricing.js';
import { mulberry32 } from '../domain/seeded-random.js';

export interface SeedOptions {
  from: string;
  to: string;
  /** Average calls a day; each day varies around it. */
  callsPerDay: number;
  /** Same seed, same calls: the generator is a deterministic PRNG. */
  seed: number;
  pricing: PricingSnapshot;
  simpleModel: string;
  complexModel: string;
}

/**
 * The shape of a month at the shop, as the cost levers see it. Shares are assumptions for a
 * demonstration month, not measurements: 60% of calls on the Whisper arm with 4% of its turns
 * falling back to Google, 45% routed to Haiku of which one in ten escalates to Sonnet, a 1,800
 * token system prompt written to the prompt cache once per call, a third of the replies
 * (greetings, "one moment", goodbyes) served from the TTS cache.
 */
const SHARES = {
  whisperArm: 0.6,
  whisperFallback: 0.04,
  simple: 0.45,
  escalation: 0.1,
  ttsCached: 0.33,
  greetingCached: 0.85,
};
const SYSTEM_PROMPT_TOKENS = 1800;

/**
 * Generates the calls of the days from `from` to `to`, priced by the same ledger the workflow
 * uses, as `calls` rows. Calls start during shop hours (09:00–21:00 Kyiv in winter time).
 */
export function generateCalls(options: SeedOptions): NewCall[] {
  const random = mulberry32(options.seed);
  const between = (low: number, high: number) => low + (high - low) * random();
  const whole = (low: number, high: number) => Math.floor(between(low, high + 1));
  const rows: NewCall[] = [];

  for (const day of daysBetween(options.from, options.to)) {
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const calls = Math.round(options.callsPerDay * (weekend ? 0.6 : 1.1) * between(0.8, 1.2));
    for (let n = 0; n < calls; n += 1) {
      const startedAt = new Date(Date.parse(`${day}T07:00:00Z`) + between(0, 12 * 3_600_000));
      const whisperArm = random() < SHARES.whisperArm;
      const simple = random() < SHARES.simple;
      const escalateAt = simple && random() < SHARES.escalation ? whole(2, 4) : Infinity;
      const turnCount = whole(2, simple ? 5 : 9);

      let ledger = emptyLedger(options.pricing.version);
      let history = 0;
      let callDurationMs = 0;
      for (let turn = 1; turn <= turnCount; turn += 1) {
        const audioMs = whole(1200, simple ? 6000 : 14_000);
        const sttProvider =
          whisperArm && random() >= SHARES.whisperFallback ? 'whisper.cpp' : 'google';
        const model = turn >= escalateAt || !simple ? options.complexModel : options.simpleModel;
        const outputTokens = whole(25, simple ? 70 : 140);
        const characters = Math.round(outputTokens * between(3.2, 4.2));
        const cached =
          turn === 1 ? random() < SHARES.greetingCached : random() < SHARES.ttsCached * 0.8;
        // A model switch starts a new cache: the prompt is written again for the new model.
        const firstOnModel = turn === 1 || turn === escalateAt;
        const usage: TurnUsage = {
          stt: {
            provider: sttProvider,
            audioMs,
            billedAudioMs:
              sttProvider === 'google' ? Math.ceil(audioMs / 15_000) * 15_000 : audioMs,
          },
          llm: [
            {
              provider: 'anthropic',
              model,
              inputTokens: 60 + history,
              outputTokens,
              cacheWriteTokens: firstOnModel ? SYSTEM_PROMPT_TOKENS : 0,
              cacheReadTokens: firstOnModel ? 0 : SYSTEM_PROMPT_TOKENS,
            },
          ],
          tts: {
            provider: 'google',
            voice: 'uk-UA-Standard-A',
            voiceTier: 'standard',
            characters: cached ? Math.min(characters, 90) : characters,
            cached,
          },
        };
        ledger = addTurn(ledger, usage, options.pricing).ledger;
        history += whole(15, 40) + outputTokens;
        callDurationMs += audioMs + characters * 70 + 1500;
      }

      const breakdown = toCostBreakdown(ledger);
      rows.push({
        id: `seed-${day}-${String(n + 1).padStart(4, '0')}`,
        workflowId: `call-seed-${day}-${n + 1}`,
        startedAt,
        endedAt: new Date(startedAt.getTime() + callDurationMs),
        callerHash: `seed-caller-${whole(1, 400)}`,
        language: random() < 0.7 ? 'uk' : 'ru',
        sttProvider: whisperArm ? 'whisper.cpp' : 'google',
        sttArm: whisperArm ? 'whisper' : 'google',
        llmModels: Object.keys(ledger.llmByModel),
        turns: ledger.turns,
        endReason: random() < 0.1 ? 'transferred' : 'caller-hung-up',
        costBreakdown: { ...breakdown },
        totalCostUsd: breakdown.totalUsd,
        pricingVersion: options.pricing.version,
      });
    }
  }
  return rows;
}

/** Writes the generated calls (upserting by id, so seeding twice leaves one set). */
export async function seedCalls(db: Database, options: SeedOptions): Promise<NewCall[]> {
  const rows = generateCalls(options);
  for (const row of rows) await upsertCall(db, row);
  return rows;
}
