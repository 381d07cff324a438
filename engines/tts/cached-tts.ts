import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Redis, RedisOptions } from 'ioredis';
import type { Registry } from 'prom-client';

import type { Language } from '../../domain/language.js';
import type { TtsUsage } from '../../domain/usage.js';
import type { SynthesizedSpeech, TextToSpeech, TtsVoiceSettings } from '../types.js';
import type { FixedPhrase } from './fixed-phrases.js';
import { decodeEntry, encodeEntry } from './tts-cache-entry.js';
import { RedisIncidents, TtsCacheTimeoutError, withTimeout } from './tts-cache-health.js';
import type { TtsCacheLogger } from './tts-cache-health.js';
import { normalizeCacheText, ttsCacheDigest, ttsCacheKeys } from './tts-cache-key.js';
import type { TtsCacheKeys } from './tts-cache-key.js';
import { ttsCacheMetrics } from './tts-cache-metrics.js';
import type {
  TtsCacheBypassReason,
  TtsCacheMetrics,
  TtsCacheMissReason,
} from './tts-cache-metrics.js';
import { TtsCacheScripts } from './tts-cache-scripts.js';
import type { LookupAnswer } from './tts-cache-scripts.js';

/**
 * ioredis settings for the cache's own client. A turn must never wait on Redis: a command sent
 * while disconnected fails at once instead of queueing for a reconnect, and none is retried.
 */
export const TTS_CACHE_REDIS_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 1_000,
  // Reconnects go on in the background; until one succeeds every turn bypasses the cache.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
} satisfies RedisOptions;

export interface CachedTextToSpeechOptions {
  redis: Redis;
  registry: Registry;
  /** Names this deployment in the keys, so that deployments can share one Redis. */
  deployment: string;
  /** Part of every key: a new prompt version never hears audio cached under the old one. */
  promptVersion: string;
  /** USD the provider charges per character of this usage's voice (for the savings metric). */
  priceUsdPerChar: (usage: TtsUsage) => number;
  /** Always cached whatever their length, and synthesized by {@link CachedTextToSpeech.warmUp}. */
  fixedPhrases?: readonly FixedPhrase[];
  logger?: TtsCacheLogger;
  /** @default 86_400_000 (24 h) */
  ttlMs?: number;
  /** Replies up to this many characters are cached on first use. @default 100 */
  maxShortReplyChars?: number;
  /** Longer replies are cached once produced this many times within the TTL. @default 3 */
  repeatThreshold?: number;
  /**
   * Longest wait for one lookup. A loopback lookup takes 0.1-1 ms (bench/tts-cache.ts) and one
   * in the same zone a few ms; beyond 50 ms Redis is in trouble and the provider is faster.
   * @default 50
   */
  lookupTimeoutMs?: number;
  /** Longest wait for a store, which runs after the reply is already on its way. @default 1_000 */
  storeTimeoutMs?: number;
  /**
   * Longest wait for another worker speaking the same text before synthesizing it here. Google
   * and eSpeak NG take 0.2-0.7 s per short reply, so 2 s means the other worker is stuck.
   * @default 2_000
   */
  waitTimeoutMs?: number;
  /** How long a synthesis lock outlives a worker that died holding it. @default 10_000 */
  lockTtlMs?: number;
  /**
   * Timeouts or errors in a row after which requests skip Redis, `retryAfterMs` at a time. A
   * lone slow answer is common on a loaded host and is no reason to stop asking.
   * @default 3
   */
  failuresToRest?: number;
  /** How long requests skip a Redis that keeps failing before one tries it again. @default 1_000 */
  retryAfterMs?: number;
}

/** What {@link CachedTextToSpeech.warmUp} did with the fixed phrases. */
export interface WarmUpSummary {
  stored: number;
  alreadyCached: number;
  /** Being synthesized by another worker at the same moment. */
  elsewhere: number;
  failed: number;
}

const silentLogger: TtsCacheLogger = { info: () => {}, warn: () => {} };

/**
 * A {@link TextToSpeech} that serves repeated replies from Redis. Fixed phrases and short
 * replies are stored on first use, longer ones once they repeat; concurrent misses of one text
 * share a single synthesis across workers. Redis trouble never fails a request: it goes to the
 * provider directly. Usage says `cached: true` for audio served from Redis, which the cost
 * ledger prices at zero.
 */
export class CachedTextToSpeech implements TextToSpeech {
  readonly provider: string;
  private readonly redis: Redis;
  private readonly scripts: TtsCacheScripts;
  private readonly metrics: TtsCacheMetrics;
  private readonly incidents: RedisIncidents;
  private readonly logger: TtsCacheLogger;
  private readonly fixed: readonly FixedPhrase[];
  private readonly fixedKeys: Set<string>;
  private readonly pending = new Set<Promise<void>>();
  private readonly settings: Required<
    Pick<
      CachedTextToSpeechOptions,
      | 'ttlMs'
      | 'maxShortReplyChars'
      | 'repeatThreshold'
      | 'lookupTimeoutMs'
      | 'storeTimeoutMs'
      | 'waitTimeoutMs'
      | 'lockTtlMs'
    >
  >;
  private readonly onRedisError = (error: Error) => this.incidents.failed('unavailable', error);

  constructor(
    private readonly inner: TextToSpeech,
    private readonly options: CachedTextToSpeechOptions,
  ) {
    this.provider = inner.provider;
    this.redis = options.redis;
    this.scripts = new TtsCacheScripts(options.redis);
    this.metrics = ttsCacheMetrics(options.registry);
    this.logger = options.logger ?? silentLogger;
    this.incidents = new RedisIncidents(
      this.logger,
      options.retryAfterMs ?? 1_000,
      options.failuresToRest ?? 3,
    );
    this.fixed = options.fixedPhrases ?? [];
    this.fixedKeys = new Set(this.fixed.map((p) => `${p.language}\n${normalizeCacheText(p.text)}`));
    this.settings = {
      ttlMs: options.ttlMs ?? 86_400_000,
      maxShortReplyChars: options.maxShortReplyChars ?? 100,
      repeatThreshold: options.repeatThreshold ?? 3,
      lookupTimeoutMs: options.lookupTimeoutMs ?? 50,
      storeTimeoutMs: options.storeTimeoutMs ?? 1_000,
      waitTimeoutMs: options.waitTimeoutMs ?? 2_000,
      lockTtlMs: options.lockTtlMs ?? 10_000,
    };
    this.voiceSettings = inner.voiceSettings?.bind(inner);
    // Without a listener ioredis prints every failed reconnect; the incident log says it once.
    this.redis.on('error', this.onRedisError);
  }

  /** The wrapped engine's settings: a cache in front changes nothing about the voice. */
  readonly voiceSettings?: (language: Language) => TtsVoiceSettings;

  async synthesize(text: string, language: Language): Promise<SynthesizedSpeech> {
    this.metrics.requests.inc({ provider: this.provider });
    const keys = this.keysFor(text, language);
    if (!keys) return this.miss('uncacheable', text, language);

    const unusable = this.redisUnusable();
    if (unusable) return this.bypass(unusable, text, language);

    const token = randomUUID();
    const normalizedText = normalizeCacheText(text);
    const mustRepeat = !this.alwaysCached(normalizedText, language);
    let answer: LookupAnswer;
    try {
      answer = await this.lookup(
        keys,
        token,
        mustRepeat ? this.settings.repeatThreshold : undefined,
      );
    } catch (error) {
      return this.bypass(this.failure(error), text, language);
    }

    switch (answer.kind) {
      case 'hit':
        return this.served(answer.value, keys) ?? this.produce(keys, text, language);
      case 'not-repeated-yet':
        return this.miss('not-repeated-yet', text, language);
      case 'locked':
        return this.produce(keys, text, language, token);
      case 'busy':
        return this.waitForOther(keys, token, text, language);
    }
  }

  /**
   * Synthesizes the fixed phrases not yet in Redis. Safe to run on every worker at once: each
   * phrase is spoken by whichever worker takes its lock, and skipped by the others.
   */
  async warmUp(
    options: { readyTimeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<WarmUpSummary> {
    const summary: WarmUpSummary = { stored: 0, alreadyCached: 0, elsewhere: 0, failed: 0 };
    if (!(await this.whenReady(options.readyTimeoutMs ?? 5_000))) {
      this.incidents.failed('unavailable', new Error(`Redis connection is ${this.redis.status}`));
      return { ...summary, failed: this.fixed.length };
    }
    await this.checkMemoryPolicy();

    for (const [index, phrase] of this.fixed.entries()) {
      // A worker shutting down stops after the phrase in hand; the next worker goes on.
      if (options.signal?.aborted) return summary;
      const keys = this.keysFor(phrase.text, phrase.language);
      const token = randomUUID();
      let answer: LookupAnswer | undefined;
      try {
        answer = keys && (await this.lookup(keys, token, undefined));
      } catch (error) {
        this.failure(error);
      }
      // Without Redis (or voice settings) none of the remaining phrases can be stored.
      if (!keys || !answer) return { ...summary, failed: this.fixed.length - index };
      if (answer.kind === 'hit') summary.alreadyCached += 1;
      if (answer.kind === 'busy') summary.elsewhere += 1;
      if (answer.kind !== 'locked') continue;

      let speech: SynthesizedSpeech;
      try {
        speech = await this.synthesizeOrRelease(keys, token, phrase.text, phrase.language);
      } catch (error) {
        summary.failed += 1;
        this.logger.warn(
          { language: phrase.language, err: String(error) },
          'a fixed phrase could not be synthesized at warm-up',
        );
        continue;
      }
      try {
        await this.storeNow(keys, speech, token);
        summary.stored += 1;
      } catch (error) {
        this.failure(error);
        return { ...summary, failed: this.fixed.length - index };
      }
    }
    return summary;
  }

  /** Waits for stores still in flight. The Redis client stays open: its owner closes it. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.redis.off('error', this.onRedisError);
  }

  private keysFor(text: string, language: Language): TtsCacheKeys | undefined {
    const settings = this.inner.voiceSettings?.(language);
    if (!settings) return undefined;
    const digest = ttsCacheDigest({
      provider: this.provider,
      language,
      settings,
      promptVersion: this.options.promptVersion,
      normalizedText: normalizeCacheText(text),
    });
    return ttsCacheKeys(this.options.deployment, digest);
  }

  private alwaysCached(normalizedText: string, language: Language): boolean {
    return (
      [...normalizedText].length <= this.settings.maxShortReplyChars ||
      this.fixedKeys.has(`${language}\n${normalizedText}`)
    );
  }

  private redisUnusable(): TtsCacheBypassReason | undefined {
    if (this.redis.status !== 'ready') {
      this.incidents.failed('unavailable', new Error(`Redis connection is ${this.redis.status}`));
      return 'unavailable';
    }
    return this.incidents.resting ? this.incidents.reason : undefined;
  }

  private async lookup(
    keys: TtsCacheKeys,
    token: string,
    repeatThreshold: number | undefined,
  ): Promise<LookupAnswer> {
    const startedAt = performance.now();
    const answer = await withTimeout(
      this.scripts.lookup(keys, {
        token,
        lockTtlMs: this.settings.lockTtlMs,
        seenTtlMs: this.settings.ttlMs,
        repeatThreshold,
      }),
      this.settings.lookupTimeoutMs,
      'lookup',
    );
    const outcome = answer.kind === 'hit' ? 'hit' : answer.kind === 'busy' ? 'wait' : 'miss';
    this.metrics.lookupSeconds.observe({ outcome }, (performance.now() - startedAt) / 1000);
    this.incidents.succeeded();
    return answer;
  }

  /** Audio from Redis as this request's answer; undefined when the stored value is damaged. */
  private served(value: Buffer, keys: TtsCacheKeys) {
    const speech = decodeEntry(value);
    if (!speech) {
      this.logger.warn({ key: keys.audio }, 'damaged cache entry replaced');
      return undefined;
    }
    this.metrics.hits.inc({ provider: this.provider });
    const savedUsd = this.options.priceUsdPerChar(speech.usage) * speech.usage.characters;
    if (savedUsd > 0) this.metrics.savedUsd.inc({ provider: this.provider }, savedUsd);
    return speech;
  }

  /** Synthesizes and stores in the background, releasing the lock `token` holds. */
  private async produce(
    keys: TtsCacheKeys,
    text: string,
    language: Language,
    token = '',
    reason: TtsCacheMissReason = 'absent',
  ): Promise<SynthesizedSpeech> {
    this.metrics.misses.inc({ provider: this.provider, reason });
    const speech = await this.synthesizeOrRelease(keys, token, text, language);
    const stored = this.storeNow(keys, speech, token)
      .catch((error: unknown) => {
        this.failure(error);
        // Waiters take over now rather than wait for a lock whose audio never comes.
        if (token !== '') this.releaseLater(keys, token);
      })
      .finally(() => this.pending.delete(stored));
    this.pending.add(stored);
    return speech;
  }

  private async waitForOther(
    keys: TtsCacheKeys,
    token: string,
    text: string,
    language: Language,
  ): Promise<SynthesizedSpeech> {
    const deadline = Date.now() + this.settings.waitTimeoutMs;
    // Short first polls catch a synthesis about to finish; later ones back off to spare Redis.
    for (let pollMs = 5; Date.now() < deadline; pollMs = Math.min(pollMs * 2, 50)) {
      await sleep(Math.min(pollMs, Math.max(deadline - Date.now(), 0)));
      let answer: LookupAnswer;
      try {
        answer = await this.lookup(keys, token, undefined);
      } catch (error) {
        return this.bypass(this.failure(error), text, language);
      }
      if (answer.kind === 'hit') {
        const speech = this.served(answer.value, keys);
        if (speech) this.metrics.coalesced.inc({ provider: this.provider });
        return speech ?? this.produce(keys, text, language);
      }
      // The holder failed or its lock expired: this request takes over.
      if (answer.kind === 'locked') return this.produce(keys, text, language, token);
    }
    return this.produce(keys, text, language, '', 'wait-timeout');
  }

  private async synthesizeOrRelease(
    keys: TtsCacheKeys,
    token: string,
    text: string,
    language: Language,
  ): Promise<SynthesizedSpeech> {
    try {
      return await this.inner.synthesize(text, language);
    } catch (error) {
      // Waiters take the lock over at once instead of waiting out its TTL.
      if (token !== '') this.releaseLater(keys, token);
      throw error;
    }
  }

  private releaseLater(keys: TtsCacheKeys, token: string): void {
    const released = withTimeout(
      this.scripts.release(keys, token),
      this.settings.storeTimeoutMs,
      'release',
    )
      .catch(() => undefined)
      .finally(() => this.pending.delete(released));
    this.pending.add(released);
  }

  private async storeNow(keys: TtsCacheKeys, speech: SynthesizedSpeech, token: string) {
    await withTimeout(
      this.scripts.store(keys, encodeEntry(speech), this.settings.ttlMs, token),
      this.settings.storeTimeoutMs,
      'store',
    );
  }

  private miss(reason: TtsCacheMissReason, text: string, language: Language) {
    this.metrics.misses.inc({ provider: this.provider, reason });
    return this.inner.synthesize(text, language);
  }

  private bypass(reason: TtsCacheBypassReason, text: string, language: Language) {
    this.metrics.bypasses.inc({ provider: this.provider, reason });
    this.incidents.bypass();
    return this.inner.synthesize(text, language);
  }

  private failure(error: unknown): TtsCacheBypassReason {
    const reason = error instanceof TtsCacheTimeoutError ? 'timeout' : 'error';
    this.incidents.failed(reason, error);
    return reason;
  }

  private async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    if (this.redis.status === 'wait') this.redis.connect().catch(() => undefined);
    const ready = new Promise<boolean>((resolve) => this.redis.once('ready', () => resolve(true)));
    return Promise.race([ready, sleep(timeoutMs, false)]);
  }

  /**
   * Memory stays bounded only if Redis has `maxmemory` and a policy that evicts keys with a TTL
   * (every cache key has one): `allkeys-lru` or `volatile-lru`. Managed Redis often refuses
   * CONFIG; then the operator's settings are trusted.
   */
  private async checkMemoryPolicy(): Promise<void> {
    let reply: unknown;
    try {
      reply = await withTimeout(
        this.redis.config('GET', 'maxmemory*'),
        this.settings.storeTimeoutMs,
        'config',
      );
    } catch {
      return;
    }
    const values = Array.isArray(reply) ? (reply as string[]) : [];
    const setting = (name: string) => values[values.indexOf(name) + 1];
    const maxMemory = Number(setting('maxmemory'));
    const policy = setting('maxmemory-policy');
    if (maxMemory === 0 || policy === 'noeviction') {
      this.logger.warn(
        { maxMemory, policy },
        'Redis memory is unbounded or never evicts: set maxmemory and maxmemory-policy ' +
          'allkeys-lru (or volatile-lru) so that the TTS cache cannot fill it',
      );
    }
  }
}
