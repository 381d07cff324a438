import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';

import { priceTts } from '../domain/cost-ledger.js';
import { NANO_PER_USD } from '../domain/money.js';
import type { PricingSnapshot } from '../domain/pricing.js';
import type { TtsUsage } from '../domain/usage.js';
import { CachedTextToSpeech, TTS_CACHE_REDIS_OPTIONS } from '../engines/tts/cached-tts.js';
import { fixedPhrases } from '../engines/tts/fixed-phrases.js';
import type { TextToSpeech } from '../engines/types.js';
import type { Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';

/**
 * Puts the Redis TTS cache in front of `tts`, on a Redis client of its own (fail-fast settings
 * that the blob store's client must not share), and pre-synthesizes the fixed phrases in the
 * background: a worker takes calls at once, and its first turns simply miss.
 */
export function withTtsCache(deps: {
  tts: TextToSpeech;
  redisUrl: string;
  config: Config;
  pricing: PricingSnapshot;
  metrics: Registry;
  logger: Logger;
}): { tts: CachedTextToSpeech; close(): Promise<void> } {
  const { config, logger } = deps;
  const logs = logger.child({ component: 'tts-cache' });
  const redis = new Redis(deps.redisUrl, TTS_CACHE_REDIS_OPTIONS);
  const tts = new CachedTextToSpeech(deps.tts, {
    redis,
    registry: deps.metrics,
    deployment: config.deployment,
    promptVersion: config.promptVersion,
    priceUsdPerChar: (usage) => ttsPriceUsdPerChar(usage, deps.pricing),
    fixedPhrases: fixedPhrases(),
    logger: logs,
    ttlMs: config.ttsCache.ttlMs,
    maxShortReplyChars: config.ttsCache.maxShortReplyChars,
    repeatThreshold: config.ttsCache.repeatThreshold,
    lookupTimeoutMs: config.ttsCache.lookupTimeoutMs,
  });

  const stop = new AbortController();
  const warming = tts.warmUp({ signal: stop.signal }).then(
    (summary) => logs.info(summary, 'TTS cache warm-up finished'),
    (error: unknown) => logs.warn({ err: String(error) }, 'TTS cache warm-up failed'),
  );
  return {
    tts,
    close: async () => {
      stop.abort();
      await warming;
      await tts.close();
      redis.disconnect();
    },
  };
}

/** The provider's list price of one character of this usage's voice; 0 when it has none. */
export function ttsPriceUsdPerChar(usage: TtsUsage, pricing: PricingSnapshot): number {
  const perMillion = { ...usage, characters: 1_000_000, cached: false };
  try {
    return priceTts(perMillion, pricing) / NANO_PER_USD / 1_000_000;
  } catch {
    // An unpriced voice is reported as saving nothing rather than failing the turn.
    return 0;
  }
}
