/**
 * Replays a realistic stream of agent replies through the Redis TTS cache with a fast fake
 * provider, and prints the hit rate, the lookup latency and the cost saved at Google Neural2
 * prices. Run with `npm run bench:tts-cache [-- --calls 800 --format pcm|mulaw]` (Redis from
 * REDIS_URL, else 127.0.0.1:6379).
 *
 * The stream: calls in Ukrainian (60%) and Russian, each a greeting, one to four middle turns
 * and a closing. Middle turns are the fallback dialog's fixed replies, product answers over the
 * seed catalogue with a Zipf-like popularity (a long tail of names and prices), order answers
 * with delivery dates, "one moment" lines, and free-form replies that never repeat.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { Counter } from 'prom-client';

import { SPEECH_FORMAT } from '../domain/audio.js';
import type { AudioFormat } from '../domain/audio.js';
import type { Language } from '../domain/language.js';
import type { OrderState } from '../domain/shop.js';
import { CachedTextToSpeech, TTS_CACHE_REDIS_OPTIONS } from '../engines/tts/cached-tts.js';
import { fixedPhrases, HOLD_LINES } from '../engines/tts/fixed-phrases.js';
import { ttsCacheKeyPrefix } from '../engines/tts/tts-cache-key.js';
import { FALLBACK_PHRASES, spokenDate, spokenUah } from '../engines/llm/fallback-phrases.js';
import { loadConfig, REPO_ROOT } from '../infra/config.js';
import { loadPricing } from '../infra/pricing.js';
import { FakeTts } from '../test/support/fake-tts.js';
import { ttsPriceUsdPerChar } from '../workers/tts-cache.js';

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '800' },
    format: { type: 'string', default: 'pcm' },
  },
});
const CALLS = Number(args.calls);
/**
 * `pcm`: 16 kHz 16-bit PCM, what eSpeak NG and the default Google voice return (32 KB a second);
 * `mulaw`: 8 kHz μ-law, the phone line's own format (8 KB a second).
 */
const FORMAT: AudioFormat =
  args.format === 'mulaw'
    ? { encoding: 'mulaw', sampleRateHz: 8000, channels: 1 }
    : { ...SPEECH_FORMAT };

interface Product {
  name: Record<Language, string>;
  priceUah: number;
  inStock: boolean;
}

/** Products of the seed catalogue, in file order (which the Zipf ranks follow). */
function seedProducts(): Product[] {
  const sql = readFileSync(path.join(REPO_ROOT, 'migrations', '0001_seed-shop.sql'), 'utf8');
  const row = /\('[^']+', '([^']+)', '([^']+)',\s*'[^']*',\s*([\d.]+), (\d+)\)/g;
  return [...sql.matchAll(row)].map((m) => ({
    name: { uk: m[1] ?? '', ru: m[2] ?? '' },
    priceUah: Number(m[3]),
    inStock: Number(m[4]) > 0,
  }));
}

/** mulberry32: a small seeded generator, so that every run replays the same stream. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function replyStream(calls: number, products: Product[]): { language: Language; text: string }[] {
  const random = seededRandom(20_261_201);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // Zipf (s = 1.1) over the catalogue: a few products are asked about all day, most rarely.
  const weights = products.map((_, rank) => 1 / (rank + 1) ** 1.1);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const popular = (): Product => {
    let r = random() * totalWeight;
    for (const [i, w] of weights.entries()) if ((r -= w) <= 0) return products[i] as Product;
    return products[0] as Product;
  };

  const replies: { language: Language; text: string }[] = [];
  for (let call = 0; call < calls; call++) {
    const language: Language = random() < 0.6 ? 'uk' : 'ru';
    const say = FALLBACK_PHRASES[language];
    const q = say.questions;
    const productLine = (p: Product) =>
      `${p.name[language]} — ${spokenUah(p.priceUah, language)}, ${p.inStock ? say.inStock : say.outOfStock}.`;
    const push = (...lines: string[]) => replies.push({ language, text: lines.join(' ') });

    push(say.greeting, q.howCanIHelp);
    const middleTurns = 1 + Math.floor(random() * 4);
    for (let turn = 0; turn < middleTurns; turn++) {
      const r = random();
      if (r < 0.3) {
        push(say.productsFound, productLine(popular()), q.anythingElse);
      } else if (r < 0.36) {
        push(say.productsFound, productLine(popular()), productLine(popular()), q.anythingElse);
      } else if (r < 0.5) {
        const state = pick<OrderState>(['new', 'paid', 'shipped', 'shipped', 'delivered']);
        const day = `2026-12-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
        const date =
          state === 'paid' || state === 'shipped' ? spokenDate(day, language) : undefined;
        const lines = [say.orderState[state], date ? `${say.expectedDelivery} ${date}.` : ''];
        push(...lines.filter(Boolean), q.anythingElse);
      } else if (r < 0.6) {
        push(pick(HOLD_LINES[language]));
      } else if (r < 0.9) {
        push(
          ...pick([
            [say.youAreWelcome, q.anythingElse],
            [say.okay, q.anythingElse],
            [say.listening],
            [say.unclear],
            [say.didNotCatch],
            [q.askOrderNumber],
            [say.productNotFound, q.offerOperator],
            [say.orderNotFound, q.offerOperator],
          ]),
        );
      } else {
        // A language model's own wording: a product, a price and a number that never repeat.
        const p = products[Math.floor(random() * products.length)] as Product;
        const months = 12 + Math.floor(random() * 25);
        const price = spokenUah(200 + Math.floor(random() * 5000), language);
        push(
          `${p.name[language]}: ${months} ${language === 'uk' ? 'місяців гарантії, доставка' : 'месяцев гарантии, доставка'} ${price}.`,
        );
      }
    }
    const end = random();
    if (end < 0.7) push(say.goodbye);
    else if (end < 0.9) push(say.transfer);
  }
  return replies;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const pricing = loadPricing();
  const redisUrl = config.redisUrl ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, TTS_CACHE_REDIS_OPTIONS);
  await new Promise((resolve) => redis.once('ready', resolve));
  const deployment = `bench-${process.pid}`;
  const provider = new FakeTts({ provider: 'google', voiceTier: 'neural2', format: FORMAT });
  const registry = new Registry();
  const priceUsdPerChar = (usage: Parameters<typeof ttsPriceUsdPerChar>[0]) =>
    ttsPriceUsdPerChar(usage, pricing);
  const cache = new CachedTextToSpeech(provider, {
    redis,
    registry,
    deployment,
    promptVersion: config.promptVersion,
    priceUsdPerChar,
    fixedPhrases: fixedPhrases(),
    ttlMs: config.ttsCache.ttlMs,
    maxShortReplyChars: config.ttsCache.maxShortReplyChars,
    repeatThreshold: config.ttsCache.repeatThreshold,
    lookupTimeoutMs: config.ttsCache.lookupTimeoutMs,
  });

  try {
    const warmUp = await cache.warmUp();
    const warmUpChars = provider.requests.reduce((sum, r) => sum + [...r.text].length, 0);
    provider.requests.length = 0;

    const replies = replyStream(CALLS, seedProducts());
    const all: number[] = [];
    const hits: number[] = [];
    let hitCount = 0;
    let totalChars = 0;
    for (const reply of replies) {
      const startedAt = performance.now();
      const speech = await cache.synthesize(reply.text, reply.language);
      const ms = performance.now() - startedAt;
      all.push(ms);
      totalChars += speech.usage.characters;
      if (speech.usage.cached) {
        hits.push(ms);
        hitCount += 1;
      }
      // Stores run after the reply returns; a turn takes seconds, so they finish long before.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await cache.close();

    // The floor this machine sets: a bare PING round trip, measured the same way.
    const pings: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const startedAt = performance.now();
      await redis.ping();
      pings.push(performance.now() - startedAt);
    }
    pings.sort((a, b) => a - b);

    all.sort((a, b) => a - b);
    hits.sort((a, b) => a - b);
    const billedChars = provider.requests.reduce((sum, r) => sum + [...r.text].length, 0);
    const usdPerChar = priceUsdPerChar({
      provider: 'google',
      voice: '',
      voiceTier: 'neural2',
      characters: 0,
      cached: false,
    });
    const withoutCacheUsd = totalChars * usdPerChar;
    const withCacheUsd = (billedChars + warmUpChars) * usdPerChar;
    const distinct = new Set(replies.map((r) => `${r.language}\n${r.text}`)).size;

    const lines = [
      `TTS cache benchmark: ${CALLS} calls, ${replies.length} replies (${distinct} distinct), audio ${FORMAT.encoding} ${FORMAT.sampleRateHz} Hz, Redis ${redisUrl}`,
      `warm-up: ${warmUp.stored} fixed phrases stored (${warmUpChars} characters billed)`,
      `hit rate: ${((100 * hitCount) / replies.length).toFixed(1)}% (${hitCount} of ${replies.length})`,
      `latency of a cache hit (lookup + audio transfer): p50 ${percentile(hits, 50).toFixed(3)} ms, p99 ${percentile(hits, 99).toFixed(3)} ms`,
      `latency of any request (lookup, plus the instant fake provider on a miss): p50 ${percentile(all, 50).toFixed(3)} ms, p99 ${percentile(all, 99).toFixed(3)} ms`,
      `Redis PING round trip on this machine: p50 ${percentile(pings, 50).toFixed(3)} ms, p99 ${percentile(pings, 99).toFixed(3)} ms`,
      `cost at Google Neural2 ($${(usdPerChar * 1e6).toFixed(0)}/M characters): without cache $${withoutCacheUsd.toFixed(4)}, with cache $${withCacheUsd.toFixed(4)} (warm-up included), saved $${(withoutCacheUsd - withCacheUsd).toFixed(4)} = ${((100 * (withoutCacheUsd - withCacheUsd)) / withoutCacheUsd).toFixed(1)}%`,
    ];
    console.log(lines.join('\n'));
    for (const name of ['dzvin_tts_cache_misses_total', 'dzvin_tts_cache_bypasses_total']) {
      const { values } = await (registry.getSingleMetric(name) as Counter).get();
      const byReason = values.map((v) => `${String(v.labels.reason)} ${v.value}`).join(', ');
      console.log(
        `${name.replace('dzvin_tts_cache_', '').replace('_total', '')}: ${byReason || 'none'}`,
      );
    }
  } finally {
    const keys = await redis.keys(`${ttsCacheKeyPrefix(deployment)}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

await main();
