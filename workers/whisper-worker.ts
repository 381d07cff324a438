import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

import { createWhisperSttActivities } from '../activities/stt.js';
import type { SpeechToText } from '../engines/types.js';
import { WHISPER_TASK_QUEUE } from '../gpu-worker/task-queue.js';
import type { BlobStore } from '../infra/blob-store.js';
import type { CostMetrics } from '../infra/cost-metrics.js';
import { withCostMetrics } from './activity-metrics.js';

/**
 * How often a running transcription heartbeats. A large model on a busy CPU needs up to a
 * minute per utterance (../shared/models/README.md: ~45 s per encoder pass on 2 cores), so a
 * workflow can set a heartbeat timeout of a few times this and still learn of a dead worker
 * long before the activity's own timeout.
 */
export const WHISPER_HEARTBEAT_INTERVAL_MS = 5_000;

export interface WhisperQueueWorkerOptions {
  address: string;
  namespace: string;
  /** The engine; with several instances, a pool that runs that many utterances at once. */
  stt: SpeechToText;
  blobs: BlobStore;
  /** Utterances the engine can run at once (the pool's size, 1 for a single server). */
  instances: number;
  /** Where the worker's Whisper metrics go; none are kept without it. */
  metrics?: Registry;
  /** Counts each transcription's cost, audio and latency, as the `calls` queue's STT does. */
  costMetrics?: CostMetrics;
  /** @default 5000 */
  heartbeatIntervalMs?: number;
  /** @default 'stt-whisper' */
  taskQueue?: string;
}

/**
 * The worker of the `stt-whisper` task queue: it serves the `transcribeWhisper` activity and
 * nothing else, and is shared by the GPU worker and the embedded `calls` worker on the CPU.
 *
 * It takes at most `instances` tasks at a time. A task it took without a free model instance
 * would wait inside this process, where Temporal counts it as started: the workflow's short
 * schedule-to-start timeout could no longer send that turn to Google, and another worker with a
 * free instance could not take it. Left in the queue, it goes to whichever worker frees first.
 */
export async function createWhisperQueueWorker(
  options: WhisperQueueWorkerOptions,
): Promise<Worker> {
  if (!Number.isInteger(options.instances) || options.instances < 1) {
    throw new RangeError(`a Whisper worker needs at least one instance, not ${options.instances}`);
  }
  const connection = await NativeConnection.connect({ address: options.address });
  const stt = withHeartbeats(
    options.metrics ? withMetrics(options.stt, options.metrics) : options.stt,
    options.heartbeatIntervalMs ?? WHISPER_HEARTBEAT_INTERVAL_MS,
  );
  return Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? WHISPER_TASK_QUEUE,
    activities: options.costMetrics
      ? withCostMetrics(
          createWhisperSttActivities({ blobs: options.blobs, stt }),
          options.costMetrics,
          // A metric that cannot be priced is dropped: it must never fail a caller's turn.
          () => undefined,
        )
      : createWhisperSttActivities({ blobs: options.blobs, stt }),
    maxConcurrentActivityTaskExecutions: options.instances,
  });
}

/**
 * Heartbeats while the engine works, from inside the activity: the server gives no progress, so
 * the beat says only that this worker is alive and still holds the utterance. Called outside an
 * activity, `transcribe` throws (there is no activity context to beat for).
 */
export function withHeartbeats(stt: SpeechToText, intervalMs: number): SpeechToText {
  return {
    provider: stt.provider,
    async transcribe(audio, format, hint) {
      const context = Context.current();
      context.heartbeat({ stage: 'transcribing' });
      const timer = setInterval(() => context.heartbeat({ stage: 'transcribing' }), intervalMs);
      try {
        return await stt.transcribe(audio, format, hint);
      } finally {
        clearInterval(timer);
      }
    },
  };
}

/** Counts transcriptions and times them, by outcome and language. */
function withMetrics(stt: SpeechToText, registry: Registry): SpeechToText {
  const metrics = whisperWorkerMetrics(registry);
  return {
    provider: stt.provider,
    async transcribe(audio, format, hint) {
      const startedAt = performance.now();
      metrics.inFlight.inc();
      let outcome = 'error';
      try {
        const result = await stt.transcribe(audio, format, hint);
        outcome = result.transcript.text === '' ? 'empty' : 'text';
        metrics.audioSeconds.inc({ language: hint.language }, result.usage.audioMs / 1000);
        return result;
      } finally {
        metrics.inFlight.dec();
        const labels = { outcome, language: hint.language };
        metrics.transcriptions.inc(labels);
        metrics.seconds.observe(labels, (performance.now() - startedAt) / 1000);
      }
    },
  };
}

interface WhisperWorkerMetrics {
  transcriptions: Counter<'outcome' | 'language'>;
  seconds: Histogram<'outcome' | 'language'>;
  audioSeconds: Counter<'language'>;
  inFlight: Gauge;
}

/** One set per registry: the embedded worker and the GPU worker may share a process in tests. */
const metricsByRegistry = new WeakMap<Registry, WhisperWorkerMetrics>();

function whisperWorkerMetrics(registry: Registry): WhisperWorkerMetrics {
  const existing = metricsByRegistry.get(registry);
  if (existing) return existing;
  const metrics: WhisperWorkerMetrics = {
    transcriptions: new Counter({
      name: 'dzvin_whisper_transcriptions_total',
      help: 'Utterances transcribed on the stt-whisper queue, by outcome (text, empty, error)',
      labelNames: ['outcome', 'language'],
      registers: [registry],
    }),
    seconds: new Histogram({
      name: 'dzvin_whisper_transcription_seconds',
      help: 'Time from an utterance reaching the engine to its transcript, queueing included',
      labelNames: ['outcome', 'language'],
      // Base on 2 CPU cores: 0.5-3 s per utterance; large-v3 on a GPU: 0.1-1 s (bench/).
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    audioSeconds: new Counter({
      name: 'dzvin_whisper_audio_seconds_total',
      help: 'Seconds of caller audio transcribed; divided by busy time it gives the real-time factor',
      labelNames: ['language'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'dzvin_whisper_in_flight',
      help: 'Utterances being transcribed now',
      registers: [registry],
    }),
  };
  metricsByRegistry.set(registry, metrics);
  return metrics;
}
