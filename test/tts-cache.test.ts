import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { getCall } from '../db/calls-repository.js';
import type { Language } from '../domain/language.js';
import { CachedTextToSpeech, TTS_CACHE_REDIS_OPTIONS } from '../engines/tts/cached-tts.js';
import type { CachedTextToSpeechOptions } from '../engines/tts/cached-tts.js';
import { EspeakTts } from '../engines/tts/espeak.js';
import { fixedPhrases } from '../engines/tts/fixed-phrases.js';
import { GoogleTts } from '../engines/tts/google-tts.js';
import {
  normalizeCacheText,
  ttsCacheDigest,
  ttsCacheKeyPrefix,
} from '../engines/tts/tts-cache-key.js';
import type { TextToSpeech } from '../engines/types.js';
import { FileBlobStore } from '../infra/blob-store.js';
import { loadPricing } from '../infra/pricing.js';
import { hangupSignal, turnUpdate } from '../workflows/call-messages.js';
import { ttsPriceUsdPerChar } from '../workers/tts-cache.js';
import { startCallHarness } from './support/call-harness.js';
import type { CallHarness } from './support/call-harness.js';
import { FakeTts } from './support/fake-tts.js';
import { startPrivateRedis } from './support/private-redis.js';
import type { PrivateRedis } from './support/private-redis.js';
import { ScriptedStt } from './support/scripted-stt.js';

const SHARED_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PRICING = loadPricing();
const clients: Redis[] = [];
const caches: CachedTextToSpeech[] = [];
const deployments: string[] = [];

interface LogLine {
  level: 'info' | 'warn';
  msg: string;
  obj: object;
}

async function connect(url = SHARED_REDIS_URL): Promise<Redis> {
  const redis = new Redis(url, TTS_CACHE_REDIS_OPTIONS);
  // Clients outlive the private servers that tests kill; their reconnect errors are expected.
  redis.on('error', () => undefined);
  clients.push(redis);
  if (redis.status !== 'ready') await once(redis, 'ready');
  return redis;
}

/** A cache as one worker would have it, in a deployment namespace of the test's own. */
function cacheOn(
  redis: Redis,
  tts: TextToSpeech,
  options: Partial<CachedTextToSpeechOptions> & { logs?: LogLine[] } = {},
): CachedTextToSpeech {
  const deployment = options.deployment ?? `test-${process.pid}-${randomUUID().slice(0, 8)}`;
  deployments.push(deployment);
  const logs = options.logs;
  const cache = new CachedTextToSpeech(tts, {
    registry: new Registry(),
    promptVersion: '1',
    // Generous for a test machine shared by many builds; the Redis trouble tests set 50 ms.
    lookupTimeoutMs: 1_000,
    priceUsdPerChar: (usage) => ttsPriceUsdPerChar(usage, PRICING),
    logger: {
      info: (obj, msg) => logs?.push({ level: 'info', msg, obj }),
      warn: (obj, msg) => logs?.push({ level: 'warn', msg, obj }),
    },
    ...options,
    redis,
    deployment,
  });
  caches.push(cache);
  return cache;
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const found = registry.getSingleMetric(name);
  if (!found) return 0;
  const { values } = await found.get();
  return values
    .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

function registryOf(cache: CachedTextToSpeech): Registry {
  return (cache as unknown as { options: { registry: Registry } }).options.registry;
}

afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()));
});

afterAll(async () => {
  // Only this test's namespaces go; the shared Redis is never flushed.
  const shared = await connect();
  for (const deployment of deployments) {
    const keys = await shared.keys(`${ttsCacheKeyPrefix(deployment)}*`);
    if (keys.length > 0) await shared.del(...keys);
  }
  for (const redis of clients) redis.disconnect();
});

const GREETING = 'Вітаю! Чим можу допомогти?';
const LONG_ANSWER =
  'Ось що знайшлося. Пральна машина Bosch WAN28260UA, 8 кг — 21 999 гривень, є в наявності. ' +
  'Чим іще можу допомогти?';

describe('replies served from the cache', () => {
  it('speaks a short reply once and serves it from Redis, marked cached, to the next call', async () => {
    const provider = new FakeTts();
    const cache = cacheOn(await connect(), provider);

    const first = await cache.synthesize(GREETING, 'uk');
    await sleep(20);
    const second = await cache.synthesize(GREETING, 'uk');

    expect(provider.requests).toHaveLength(1);
    expect(first.usage.cached).toBe(false);
    expect(second.usage).toEqual({ ...first.usage, cached: true });
    expect(second.audio.equals(first.audio)).toBe(true);
    expect(second.format).toEqual(first.format);
    expect(second.durationMs).toBe(first.durationMs);
  });

  it('treats extra spaces, typographic quotes and a capitalized word as the same reply', async () => {
    const provider = new FakeTts();
    const cache = cacheOn(await connect(), provider);

    await cache.synthesize("З'єдную вас з оператором, залишайтеся на лінії.", 'uk');
    await sleep(20);
    const variant = await cache.synthesize(
      '  З’єдную вас  з Оператором,\nзалишайтеся на лінії. ',
      'uk',
    );

    expect(provider.requests).toHaveLength(1);
    expect(variant.usage.cached).toBe(true);
  });

  it.each<[string, (base: FakeTts) => FakeTts, string, Language]>([
    [
      'another voice',
      (b) => new FakeTts({ ...b.options, voices: { uk: 'uk-UA-Neural2-B', ru: 'x' } }),
      GREETING,
      'uk',
    ],
    [
      'another speaking rate',
      (b) => new FakeTts({ ...b.options, speakingRate: 1.2 }),
      GREETING,
      'uk',
    ],
    ['another pitch', (b) => new FakeTts({ ...b.options, pitch: -2 }), GREETING, 'uk'],
    [
      'another sample rate',
      (b) =>
        new FakeTts({
          ...b.options,
          format: { encoding: 'mulaw', sampleRateHz: 8000, channels: 1 },
        }),
      GREETING,
      'uk',
    ],
    ['another language', (b) => b, GREETING, 'ru'],
    ['another word', (b) => b, 'Вітаю! Чим можу вам допомогти?', 'uk'],
    ['another punctuation', (b) => b, 'Вітаю. Чим можу допомогти?', 'uk'],
    ['an acronym in other case', (b) => b, 'ВІТАЮ! Чим можу допомогти?', 'uk'],
  ])('never serves cached audio for %s', async (_change, changed, text, language) => {
    const redis = await connect();
    const deployment = `test-${process.pid}-${randomUUID().slice(0, 8)}`;
    const base = new FakeTts();
    await cacheOn(redis, base, { deployment }).synthesize(GREETING, 'uk');
    await sleep(20);

    const provider = changed(base);
    const speech = await cacheOn(redis, provider, { deployment }).synthesize(text, language);

    expect(speech.usage.cached).toBe(false);
    expect(provider.requests.at(-1)).toEqual({ text, language });
  });

  it('keys Google voices by name, tier, telephone format and effects profile', () => {
    const digest = (options: ConstructorParameters<typeof GoogleTts>[0]) =>
      ttsCacheDigest({
        provider: 'google',
        language: 'uk',
        // No request is sent: only the voice settings are read.
        settings: new GoogleTts({ client: {} as never, ...options }).voiceSettings('uk'),
        promptVersion: '1',
        normalizedText: normalizeCacheText(GREETING),
      });
    const standard = digest({ voices: { uk: 'uk-UA-Standard-A' } });

    expect(digest({ voices: { uk: 'uk-UA-Standard-A' } })).toBe(standard);
    expect(
      new Set([
        standard,
        digest({ voices: { uk: 'uk-UA-Wavenet-A' } }),
        digest({
          voices: { uk: 'uk-UA-Standard-A' },
          format: { encoding: 'mulaw', sampleRateHz: 8000 },
        }),
        digest({ voices: { uk: 'uk-UA-Standard-A' }, effectsProfile: null }),
      ]).size,
    ).toBe(4);
  });

  it('misses after a new prompt version and after the TTL, and hits again once stored', async () => {
    const redis = await connect();
    const deployment = `test-${process.pid}-${randomUUID().slice(0, 8)}`;
    const provider = new FakeTts();
    const v1 = cacheOn(redis, provider, { deployment, promptVersion: '1', ttlMs: 400 });
    const v2 = cacheOn(redis, provider, { deployment, promptVersion: '2', ttlMs: 400 });

    await v1.synthesize(GREETING, 'uk');
    await sleep(20);
    expect((await v1.synthesize(GREETING, 'uk')).usage.cached).toBe(true);
    expect((await v2.synthesize(GREETING, 'uk')).usage.cached).toBe(false);
    await sleep(20);
    expect((await v2.synthesize(GREETING, 'uk')).usage.cached).toBe(true);

    await sleep(450);
    expect((await v1.synthesize(GREETING, 'uk')).usage.cached).toBe(false);
    expect(provider.requests).toHaveLength(3);
  });

  it('keeps one copy of the audio per key, under the namespace, with the TTL', async () => {
    const redis = await connect();
    const cache = cacheOn(redis, new FakeTts(), { ttlMs: 60_000 });
    const deployment = deployments.at(-1) ?? '';

    for (let i = 0; i < 5; i++) await cache.synthesize(GREETING, 'uk');
    await sleep(20);

    const keys = await redis.keys(`${ttsCacheKeyPrefix(deployment)}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^dzvin:test-[^:]+:tts:\{[0-9a-f]{64}\}:audio$/);
    const ttlMs = await redis.pttl(keys[0] ?? '');
    expect(ttlMs).toBeGreaterThan(55_000);
    expect(ttlMs).toBeLessThanOrEqual(60_000);
  });

  it('caches a long reply only once it was produced the configured number of times', async () => {
    const redis = await connect();
    const provider = new FakeTts();
    const cache = cacheOn(redis, provider, { repeatThreshold: 3, ttlMs: 60_000 });

    const cached: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      cached.push((await cache.synthesize(LONG_ANSWER, 'uk')).usage.cached);
      await sleep(20);
    }

    expect(LONG_ANSWER.length).toBeGreaterThan(100);
    expect(cached).toEqual([false, false, false, true, true]);
    expect(provider.requests).toHaveLength(3);
    const registry = registryOf(cache);
    expect(
      await metric(registry, 'dzvin_tts_cache_misses_total', { reason: 'not-repeated-yet' }),
    ).toBe(2);
    const [seenKey] = await redis.keys(`${ttsCacheKeyPrefix(deployments.at(-1) ?? '')}*:seen`);
    expect(await redis.pttl(seenKey ?? '')).toBeGreaterThan(55_000);
  });

  it('caches a long fixed phrase at first use, and warm-up on two workers speaks each phrase once', async () => {
    const deployment = `test-${process.pid}-${randomUUID().slice(0, 8)}`;
    const phrases = fixedPhrases();
    const provider = new FakeTts({ delayMs: 5 });
    const workerA = cacheOn(await connect(), provider, { deployment, fixedPhrases: phrases });
    const workerB = cacheOn(await connect(), provider, { deployment, fixedPhrases: phrases });

    const [a, b] = await Promise.all([workerA.warmUp(), workerB.warmUp()]);

    expect(a.stored + b.stored).toBe(phrases.length);
    expect(a.failed + b.failed).toBe(0);
    expect(provider.requests).toHaveLength(phrases.length);
    expect(await workerB.warmUp()).toMatchObject({ stored: 0, alreadyCached: phrases.length });

    const longest = phrases.reduce((x, y) => (y.text.length > x.text.length ? y : x));
    expect(longest.text.length).toBeGreaterThan(90);
    expect((await workerA.synthesize(longest.text, longest.language)).usage.cached).toBe(true);
  });
});

describe('concurrent misses', () => {
  it('synthesize once across two workers; the others wait and get the same audio', async () => {
    const deployment = `test-${process.pid}-${randomUUID().slice(0, 8)}`;
    const provider = new FakeTts({ delayMs: 200 });
    const workerA = cacheOn(await connect(), provider, { deployment });
    const workerB = cacheOn(await connect(), provider, { deployment });

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? workerA : workerB).synthesize(GREETING, 'uk')),
    );

    expect(provider.requests).toHaveLength(1);
    expect(results.filter((r) => !r.usage.cached)).toHaveLength(1);
    for (const result of results)
      expect(result.audio.equals(results[0]?.audio ?? Buffer.alloc(0))).toBe(true);
    const coalesced =
      (await metric(registryOf(workerA), 'dzvin_tts_cache_coalesced_total')) +
      (await metric(registryOf(workerB), 'dzvin_tts_cache_coalesced_total'));
    expect(coalesced).toBe(19);
  });

  it('hand the synthesis to a waiter when the first worker fails', async () => {
    const deployment = `test-${process.pid}-${randomUUID().slice(0, 8)}`;
    const failing = new FakeTts({ delayMs: 100, failWith: new Error('provider 503') });
    const healthy = new FakeTts({ delayMs: 50 });
    const workerA = cacheOn(await connect(), failing, { deployment });
    const workerB = cacheOn(await connect(), healthy, { deployment });

    const first = workerA.synthesize(GREETING, 'uk');
    await sleep(20);
    const second = workerB.synthesize(GREETING, 'uk');

    await expect(first).rejects.toThrow('provider 503');
    const speech = await second;
    expect(speech.usage.cached).toBe(false);
    expect(healthy.requests).toHaveLength(1);
  });

  it('stop waiting for a stuck worker after the wait timeout and speak the reply themselves', async () => {
    const deployment = `test-${process.pid}-${randomUUID().slice(0, 8)}`;
    const stuck = new FakeTts({ delayMs: 3_000 });
    const quick = new FakeTts();
    const workerA = cacheOn(await connect(), stuck, { deployment });
    const workerB = cacheOn(await connect(), quick, { deployment, waitTimeoutMs: 150 });

    void workerA.synthesize(GREETING, 'uk');
    await sleep(20);
    const startedAt = performance.now();
    const speech = await workerB.synthesize(GREETING, 'uk');

    expect(performance.now() - startedAt).toBeLessThan(400);
    expect(speech.usage.cached).toBe(false);
    expect(
      await metric(registryOf(workerB), 'dzvin_tts_cache_misses_total', { reason: 'wait-timeout' }),
    ).toBe(1);
  });
});

describe('metrics', () => {
  it('count hits, misses and the dollars a Neural2 voice would have cost', async () => {
    const cache = cacheOn(await connect(), new FakeTts({ voiceTier: 'neural2' }));
    const registry = registryOf(cache);

    await cache.synthesize(GREETING, 'uk');
    await sleep(20);
    for (let i = 0; i < 3; i++) await cache.synthesize(GREETING, 'uk');

    expect(await metric(registry, 'dzvin_tts_cache_hits_total')).toBe(3);
    expect(await metric(registry, 'dzvin_tts_cache_misses_total', { reason: 'absent' })).toBe(1);
    expect(await metric(registry, 'dzvin_tts_cache_bypasses_total')).toBe(0);
    expect(await metric(registry, 'dzvin_tts_cache_hit_ratio')).toBeCloseTo(0.75);
    // Google Neural2: $16 per million characters.
    expect(await metric(registry, 'dzvin_tts_cache_saved_usd_total')).toBeCloseTo(
      (3 * [...GREETING].length * 16) / 1e6,
      12,
    );
    const text = await registry.metrics();
    expect(text).toContain('dzvin_tts_cache_hits_total{provider="google"} 3');
    expect(text).toContain('dzvin_tts_cache_lookup_seconds_bucket');
  });
});

describe('Redis trouble', () => {
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });

  afterAll(async () => {
    await redis?.kill();
  });

  it('leaves every reply spoken when Redis dies, logs it once, and recovers when it is back', async () => {
    const logs: LogLine[] = [];
    const provider = new FakeTts({ delayMs: 10 });
    const client = await connect(redis.url);
    const cache = cacheOn(client, provider, { logs, lookupTimeoutMs: 50, retryAfterMs: 200 });
    await cache.synthesize(GREETING, 'uk');
    await sleep(20);
    expect((await cache.synthesize(GREETING, 'uk')).usage.cached).toBe(true);

    await redis.kill();
    const timings: number[] = [];
    for (let i = 0; i < 10; i++) {
      const startedAt = performance.now();
      const speech = await cache.synthesize(GREETING, 'uk');
      timings.push(performance.now() - startedAt);
      expect(speech.usage.cached).toBe(false);
      expect(speech.audio.length).toBeGreaterThan(0);
    }

    // 10 ms of synthesis and no wait for a reconnect: never more than one lookup timeout.
    expect(Math.max(...timings)).toBeLessThan(10 + 50 + 100);
    const registry = registryOf(cache);
    expect(await metric(registry, 'dzvin_tts_cache_bypasses_total')).toBe(10);
    expect(logs.filter((line) => line.level === 'warn')).toHaveLength(1);

    await redis.start();
    const reconnected = performance.now();
    while (client.status !== 'ready' && performance.now() - reconnected < 5_000) await sleep(50);
    // After a failed command the cache leaves Redis alone for retryAfterMs before trying again.
    await sleep(250);
    await cache.synthesize(GREETING, 'uk');
    expect(logs.filter((line) => line.level === 'info' && /back/.test(line.msg))).toHaveLength(1);
    expect(logs.at(-1)?.obj).toMatchObject({ bypassedRequests: 10 });
  });

  it('stops asking a Redis that stopped answering after three 50 ms lookups', async () => {
    const logs: LogLine[] = [];
    const provider = new FakeTts();
    const cache = cacheOn(await connect(redis.url), provider, {
      logs,
      lookupTimeoutMs: 50,
      retryAfterMs: 5_000,
    });
    const admin = await connect(redis.url);
    await cache.synthesize(GREETING, 'uk');

    await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
    const tripping: number[] = [];
    for (let i = 0; i < 3; i++) {
      const startedAt = performance.now();
      expect((await cache.synthesize(GREETING, 'uk')).usage.cached).toBe(false);
      tripping.push(performance.now() - startedAt);
    }
    const startedAt = performance.now();
    for (let i = 0; i < 20; i++) {
      expect((await cache.synthesize(GREETING, 'uk')).usage.cached).toBe(false);
    }
    const skippingMs = performance.now() - startedAt;

    for (const ms of tripping) expect(ms).toBeGreaterThanOrEqual(49);
    for (const ms of tripping) expect(ms).toBeLessThan(50 + 150);
    // Twenty turns that waited for Redis would take a second; these do not wait at all.
    expect(skippingMs).toBeLessThan(250);
    const registry = registryOf(cache);
    expect(await metric(registry, 'dzvin_tts_cache_bypasses_total', { reason: 'timeout' })).toBe(
      23,
    );
    expect(logs.filter((line) => line.level === 'warn')).toHaveLength(1);
    await sleep(3_100);
  });

  it('stays within maxmemory under volatile-lru, evicting old replies while new ones hit', async () => {
    const admin = await connect(redis.url);
    await admin.config('SET', 'maxmemory', String(4 * 1024 * 1024));
    await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
    const logs: LogLine[] = [];
    const provider = new FakeTts();
    const cache = cacheOn(await connect(redis.url), provider, { logs });

    // ~60 KB of audio per reply at 16 kHz: 300 replies are 18 MB, four times the limit.
    for (let i = 0; i < 300; i++) {
      await cache.synthesize(`Замовлення номер ${100_000 + i} уже в дорозі.`, 'uk');
      await sleep(2);
    }
    await sleep(50);

    const memory = await admin.info('memory');
    const used = Number(/used_memory:(\d+)/.exec(memory)?.[1]);
    expect(used).toBeLessThanOrEqual(4.5 * 1024 * 1024);
    expect(Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))?.[1])).toBeGreaterThan(100);
    expect(logs.filter((line) => line.level === 'warn')).toHaveLength(0);
    expect(
      (await cache.synthesize('Замовлення номер 100299 уже в дорозі.', 'uk')).usage.cached,
    ).toBe(true);
    expect(
      (await cache.synthesize('Замовлення номер 100000 уже в дорозі.', 'uk')).usage.cached,
    ).toBe(false);
  });

  it('warns at warm-up when Redis memory is unbounded', async () => {
    const admin = await connect(redis.url);
    await admin.config('SET', 'maxmemory', '0');
    const logs: LogLine[] = [];
    await cacheOn(await connect(redis.url), new FakeTts(), { logs }).warmUp();
    expect(logs.some((line) => line.level === 'warn' && /maxmemory/.test(line.msg))).toBe(true);
  });
});

/** Speaks with eSpeak NG and keeps the texts it was asked for, as a provider's bill would. */
class CountingTts implements TextToSpeech {
  readonly provider: string;
  readonly spoken: string[] = [];

  constructor(private readonly inner: EspeakTts) {
    this.provider = inner.provider;
  }

  voiceSettings(language: Language) {
    return this.inner.voiceSettings(language);
  }

  synthesize(text: string, language: Language) {
    this.spoken.push(text);
    return this.inner.synthesize(text, language);
  }
}

describe('a whole call through the workflow while Redis dies', () => {
  let redis: PrivateRedis;
  let harness: CallHarness;
  let blobDir: string;
  const stt = new ScriptedStt();
  const espeak = new EspeakTts();
  const tts = new CountingTts(espeak);

  beforeAll(async () => {
    redis = await startPrivateRedis();
    blobDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-tts-cache-blobs-'));
    harness = await startCallHarness({
      env: { REDIS_URL: redis.url, DZVIN_DEPLOYMENT: `test-call-${process.pid}` },
      // Call audio in files: only the TTS cache depends on the Redis this test kills.
      overrides: { blobs: new FileBlobStore(blobDir, 3_600_000), stt, tts },
    });
  });

  afterAll(async () => {
    await harness?.close();
    await espeak.close();
    await redis?.kill();
    await rm(blobDir, { recursive: true, force: true });
  });

  it('answers every turn, cached before the kill and spoken directly after it', async () => {
    const handle = await harness.startCall({ language: 'uk' });
    const callId = handle.workflowId.replace(/^call-/, '');
    const turn = async (n: number, phrase: string) => {
      stt.say(phrase);
      const audio = await harness.storeRecording(callId, `utt-${n}`, 'uk/ast_uk_vm-sorry.wav');
      return handle.executeUpdate(turnUpdate, { args: [{ audio }] });
    };

    const first = await turn(1, 'Добрий день');
    const second = await turn(2, 'Добрий день');
    await redis.kill();
    const third = await turn(3, 'Дякую');
    const fourth = await turn(4, 'До побачення');

    expect(first.reply.text).toBe(GREETING);
    expect(second.reply.text).toBe(GREETING);
    expect(second.usage.tts.cached).toBe(true);
    expect(third.reply.text).toBe('Будь ласка! Чим іще можу допомогти?');
    expect(third.usage.tts.cached).toBe(false);
    expect(fourth.reply.endCall).toBe(true);
    expect(fourth.usage.tts.cached).toBe(false);
    expect(tts.spoken).toContain(third.reply.text);
    for (const result of [first, second, third, fourth]) {
      const audio = await harness.runtime.blobs.get(result.reply.audio.key);
      expect(audio.length).toBe(result.reply.audio.bytes);
      expect(result.reply.audio.durationMs).toBeGreaterThan(500);
    }

    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    await handle.result();
    const row = await getCall(harness.runtime.database.db, callId);
    const results = [first, second, third, fourth];
    const cachedCharacters = results
      .filter((r) => r.usage.tts.cached)
      .reduce((sum, r) => sum + r.usage.tts.characters, 0);
    expect(row?.costBreakdown.usage).toMatchObject({
      ttsCharacters: results.reduce((sum, r) => sum + r.usage.tts.characters, 0),
      ttsCachedCharacters: cachedCharacters,
    });
    expect(cachedCharacters).toBeGreaterThanOrEqual([...GREETING].length);
    expect(
      await metric(harness.runtime.metrics, 'dzvin_tts_cache_bypasses_total'),
    ).toBeGreaterThanOrEqual(2);
  });
});
