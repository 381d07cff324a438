import type { Registry } from 'prom-client';

import { createCallRecordActivities } from '../activities/call-records.js';
import type { CallRecord } from '../activities/call-records.js';
import { createCallSetupActivities } from '../activities/call-setup.js';
import { createDailyStatsActivities } from '../activities/daily-stats.js';
import type { DailyStatsActivities } from '../activities/daily-stats.js';
import type { FlagSource } from '../activities/call-setup.js';
import { createLlmActivities } from '../activities/llm.js';
import { createSttActivities } from '../activities/stt.js';
import { createTtsActivities } from '../activities/tts.js';
import { upsertCall } from '../db/calls-repository.js';
import { openDatabase } from '../db/connect.js';
import { aggregateDay } from '../db/daily-stats-repository.js';
import type { OpenedDatabase } from '../db/connect.js';
import { DatabaseBookingData } from '../db/booking-repository.js';
import { readFlags } from '../db/flags-repository.js';
import { DatabaseShopData } from '../db/shop-repository.js';
import { FallbackDialog } from '../engines/llm/fallback-dialog.js';
import type { PricingSnapshot } from '../domain/pricing.js';
import { openGoogleConnection } from '../engines/google/google-connection.js';
import { GoogleStt } from '../engines/stt/google-stt.js';
import { resolveWhisperModel } from '../engines/stt/whisper-model.js';
import type { ResolvedWhisperModel } from '../engines/stt/whisper-model.js';
import { WhisperServerStt } from '../engines/stt/whisper-server.js';
import { EspeakTts } from '../engines/tts/espeak.js';
import { GoogleTts } from '../engines/tts/google-tts.js';
import type { ReplyGenerator, SpeechToText, TextToSpeech } from '../engines/types.js';
import type { BlobStore } from '../infra/blob-store.js';
import type { Config } from '../infra/config.js';
import { createCostMetrics } from '../infra/cost-metrics.js';
import type { CostMetrics } from '../infra/cost-metrics.js';
import type { Logger } from '../infra/logger.js';
import { createMetricsRegistry } from '../infra/metrics.js';
import { closeAll, openBlobStore } from '../infra/open-blob-store.js';
import type { Closers } from '../infra/open-blob-store.js';
import { loadPricing } from '../infra/pricing.js';
import { withCostMetrics, withLlmMetrics } from './activity-metrics.js';
import { createLlmMetrics } from '../infra/llm-metrics.js';
import {
  callModelFor,
  checkLlmConfig,
  createReplyGenerator,
  routedModelsFor,
} from './llm-engine.js';
import { withTtsCache } from './tts-cache.js';

/** Everything a `calls` worker process needs, built once from the configuration. */
export interface Runtime {
  blobs: BlobStore;
  database: OpenedDatabase;
  stt: SpeechToText;
  llm: ReplyGenerator;
  tts: TextToSpeech;
  pricing: PricingSnapshot;
  /** This process's Prometheus registry, for `/metrics`. */
  metrics: Registry;
  /** Cost, usage and latency counters on `metrics`, for activities served by other workers. */
  costMetrics: CostMetrics;
  whisperModel?: ResolvedWhisperModel;
  activities: ReturnType<typeof createActivities> & DailyStatsActivities;
  close(): Promise<void>;
}

/** Engines a test or a special deployment provides instead of the configured ones. */
export type RuntimeOverrides = Partial<Pick<Runtime, 'blobs' | 'stt' | 'llm' | 'tts'>>;

/**
 * Builds the blob store, database and the engine of each stage from the configuration, falling
 * back to the embedded defaults for whatever is not configured.
 */
export async function createRuntime(
  config: Config,
  logger: Logger,
  overrides: RuntimeOverrides = {},
): Promise<Runtime> {
  if (!overrides.llm) checkLlmConfig(config);
  const closers: Closers = [];
  try {
    // First, so that missing Google credentials stop start-up before anything is opened.
    const wantsGoogle =
      (!overrides.stt && config.providers.stt === 'google') ||
      (!overrides.tts && config.providers.tts === 'google');
    const google = wantsGoogle ? await openGoogleConnection(config.google) : undefined;

    const blobs = overrides.blobs ?? (await openBlobStore(config, logger, closers));

    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      logger: logger.child({ component: 'database' }),
    });
    closers.push(() => database.close());

    let whisperModel: ResolvedWhisperModel | undefined;
    let stt = overrides.stt;
    if (!stt && google && config.providers.stt === 'google') {
      const googleStt = new GoogleStt({ connection: google, model: config.google.sttModel });
      closers.push(() => googleStt.close());
      stt = googleStt;
    }
    if (!stt) {
      whisperModel = await resolveWhisperModel({
        configuredPath: config.whisper.modelPath,
        logger: logger.child({ component: 'whisper-model' }),
      });
      if (whisperModel.origin === 'weightless-test-model') {
        logger.warn(
          { model: whisperModel.path },
          'NO REAL WHISPER MODEL: using the weightless test model, every transcript will be empty. ' +
            'Set WHISPER_MODEL_PATH to a ggml model or run `npm run setup`.',
        );
      }
      const whisper = new WhisperServerStt({
        modelPath: whisperModel.path,
        threads: config.whisper.threads,
        logger: logger.child({ component: 'whisper' }),
      });
      closers.push(() => whisper.close());
      // Build (first run only) and load the model now: a turn's activity timeout is far too
      // short for either.
      await whisper.start();
      stt = whisper;
    }

    const shop = new DatabaseShopData(database.db);
    const llm =
      overrides.llm ??
      createReplyGenerator(config, shop, logger, new DatabaseBookingData(database.db));
    // Answers while the model provider is down: intent patterns, catalogue, hand-over.
    const outage = new FallbackDialog({ shop });

    let tts = overrides.tts;
    if (!tts && google && config.providers.tts === 'google') {
      const googleTts = new GoogleTts({
        connection: google,
        voices: config.google.ttsVoices,
        format: config.google.ttsFormat,
      });
      closers.push(() => googleTts.close());
      tts = googleTts;
    }
    if (!tts) {
      const espeak = new EspeakTts({ logger: logger.child({ component: 'espeak' }) });
      closers.push(() => espeak.close());
      tts = espeak;
    }

    const pricing = loadPricing();
    const metrics = createMetricsRegistry();
    if (config.redisUrl) {
      const cache = withTtsCache({
        tts,
        redisUrl: config.redisUrl,
        config,
        pricing,
        metrics,
        logger,
      });
      closers.push(() => cache.close());
      tts = cache.tts;
    }
    const llmModel = callModelFor(llm, config);
    const models = routedModelsFor(llm, config);
    const flags: FlagSource = {
      current: () => readFlags(database.db, config.flagDefaults),
    };
    const activities = createActivities({
      blobs,
      database,
      stt,
      llm,
      outage,
      llmModel,
      tts,
      pricing,
      flags,
      models,
    });
    // Stage activities count cost, usage and latency on this process's /metrics as they finish.
    const costMetrics = createCostMetrics(metrics, pricing);
    const withCosts = withCostMetrics(
      {
        ...activities,
        ...createDailyStatsActivities({
          aggregate: (day) => aggregateDay(database.db, day, [config.anthropic.simpleModel]),
        }),
      },
      costMetrics,
      (error, activity) =>
        logger.warn({ component: 'cost-metrics', activity, error: String(error) }, 'metric lost'),
    );
    const metered = withLlmMetrics(
      withCosts,
      createLlmMetrics(metrics),
      pricing,
      (error, activity) =>
        logger.warn({ component: 'llm-metrics', activity, error: String(error) }, 'metric lost'),
    );
    return {
      blobs,
      database,
      stt,
      llm,
      tts,
      pricing,
      metrics,
      whisperModel,
      activities: metered,
      costMetrics,
      close: () => closeAll(closers),
    };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

function createActivities(deps: {
  blobs: BlobStore;
  database: OpenedDatabase;
  stt: SpeechToText;
  llm: ReplyGenerator;
  outage: ReplyGenerator;
  llmModel: string;
  tts: TextToSpeech;
  pricing: PricingSnapshot;
  flags: FlagSource;
  models: { simple: string; complex: string } | undefined;
}) {
  const { blobs, database, stt, llm, outage, llmModel, tts, pricing, flags, models } = deps;
  return {
    ...createCallSetupActivities({
      flags,
      settings: () => ({
        pricing,
        sttProvider: stt.provider,
        llmProvider: llm.provider,
        llmModel,
        ...(models ? { models } : {}),
        ttsProvider: tts.provider,
      }),
    }),
    ...createSttActivities({ blobs, stt }),
    ...createLlmActivities({ llm, outage }),
    ...createTtsActivities({ blobs, tts }),
    ...createCallRecordActivities({
      calls: { upsert: (record) => upsertCall(database.db, toCallRow(record)) },
    }),
  };
}

function toCallRow(record: CallRecord) {
  return {
    ...record,
    callerHash: record.callerHash ?? 'withheld',
    startedAt: new Date(record.startedAt),
    endedAt: new Date(record.endedAt),
    costBreakdown: { ...record.costBreakdown },
  };
}
