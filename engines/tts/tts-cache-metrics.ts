import { Counter, Gauge, Histogram } from 'prom-client';
import type { Metric, Registry } from 'prom-client';

/** Why a request went to the provider although the cache could answer it. */
export type TtsCacheMissReason =
  /** Not in the cache yet; the audio is stored for the next request. */
  | 'absent'
  /** A long reply not yet produced often enough within the TTL to be worth storing. */
  | 'not-repeated-yet'
  /** Another worker was speaking the same text and did not finish within the wait. */
  | 'wait-timeout'
  /** The engine cannot describe its voice settings, so its audio is never cached. */
  | 'uncacheable';

/** Why a request skipped Redis and went straight to the provider. */
export type TtsCacheBypassReason = 'unavailable' | 'timeout' | 'error';

/**
 * The TTS cache's Prometheus metrics. Hit rate over any window is
 * `sum(rate(dzvin_tts_cache_hits_total[5m])) / sum(rate(dzvin_tts_cache_requests_total[5m]))`;
 * the `dzvin_tts_cache_hit_ratio` gauge is the same ratio since the process started.
 */
export interface TtsCacheMetrics {
  requests: Counter<'provider'>;
  hits: Counter<'provider'>;
  misses: Counter<'provider' | 'reason'>;
  bypasses: Counter<'provider' | 'reason'>;
  /** Requests answered by waiting for another worker's synthesis (counted in `hits` too). */
  coalesced: Counter<'provider'>;
  /** USD the provider would have charged for the characters served from the cache. */
  savedUsd: Counter<'provider'>;
  lookupSeconds: Histogram<'outcome'>;
}

/**
 * Registers the metrics on `registry`, or returns those already there: several caches in one
 * process (tests, two engines) report into the same series.
 */
export function ttsCacheMetrics(registry: Registry): TtsCacheMetrics {
  const requests = reuse(
    registry,
    'dzvin_tts_cache_requests_total',
    () =>
      new Counter({
        name: 'dzvin_tts_cache_requests_total',
        help: 'Text-to-speech requests that went through the cache: hits + misses + bypasses',
        labelNames: ['provider'],
        registers: [registry],
      }),
  );
  const hits = reuse(
    registry,
    'dzvin_tts_cache_hits_total',
    () =>
      new Counter({
        name: 'dzvin_tts_cache_hits_total',
        help: 'Text-to-speech requests answered from the Redis cache',
        labelNames: ['provider'],
        registers: [registry],
      }),
  );
  const misses = reuse(
    registry,
    'dzvin_tts_cache_misses_total',
    () =>
      new Counter({
        name: 'dzvin_tts_cache_misses_total',
        help: 'Text-to-speech requests the provider spoke after a cache lookup, by reason',
        labelNames: ['provider', 'reason'],
        registers: [registry],
      }),
  );
  const bypasses = reuse(
    registry,
    'dzvin_tts_cache_bypasses_total',
    () =>
      new Counter({
        name: 'dzvin_tts_cache_bypasses_total',
        help: 'Text-to-speech requests that skipped a slow or unreachable Redis, by reason',
        labelNames: ['provider', 'reason'],
        registers: [registry],
      }),
  );
  const coalesced = reuse(
    registry,
    'dzvin_tts_cache_coalesced_total',
    () =>
      new Counter({
        name: 'dzvin_tts_cache_coalesced_total',
        help: "Cache hits that waited for another request's synthesis of the same text",
        labelNames: ['provider'],
        registers: [registry],
      }),
  );
  const savedUsd = reuse(
    registry,
    'dzvin_tts_cache_saved_usd_total',
    () =>
      new Counter({
        name: 'dzvin_tts_cache_saved_usd_total',
        help: 'USD the text-to-speech provider would have charged for audio served from the cache',
        labelNames: ['provider'],
        registers: [registry],
      }),
  );
  const lookupSeconds = reuse(
    registry,
    'dzvin_tts_cache_lookup_seconds',
    () =>
      new Histogram({
        name: 'dzvin_tts_cache_lookup_seconds',
        help: 'Time of one cache lookup round trip to Redis, audio transfer included',
        labelNames: ['outcome'],
        // Loopback lookups take 0.1-1 ms; the top buckets show a Redis near its 50 ms timeout.
        buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
        registers: [registry],
      }),
  );
  reuse(
    registry,
    'dzvin_tts_cache_hit_ratio',
    () =>
      new Gauge({
        name: 'dzvin_tts_cache_hit_ratio',
        help: 'Share of text-to-speech requests answered from the cache since this process started',
        registers: [registry],
        async collect() {
          const total = await sum(requests);
          this.set(total === 0 ? 0 : (await sum(hits)) / total);
        },
      }),
  );
  return { requests, hits, misses, bypasses, coalesced, savedUsd, lookupSeconds };
}

function reuse<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

async function sum(counter: Counter<string>): Promise<number> {
  const { values } = await counter.get();
  return values.reduce((total, value) => total + value.value, 0);
}
