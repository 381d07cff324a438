import path from 'node:path';

import type { Worker } from '@temporalio/worker';
import { Gauge } from 'prom-client';

import { ensureWhisperServer } from '../engines/stt/whisper-build.js';
import { WhisperBuildError, WhisperServerError } from '../engines/stt/whisper-errors.js';
import { WhisperPool } from '../engines/stt/whisper-pool.js';
import type { Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import { createMetricsRegistry, serveMetrics } from '../infra/metrics.js';
import { closeAll, openBlobStore } from '../infra/open-blob-store.js';
import type { Closers } from '../infra/open-blob-store.js';
import { connectTemporal } from '../infra/temporal.js';
import { createWhisperQueueWorker } from '../workers/whisper-worker.js';
import { preflight, resolveGpuWorkerModel, StartupError } from './preflight.js';
import { WHISPER_TASK_QUEUE } from './task-queue.js';

/** A started GPU worker: polling, model loaded, `/ready` answering 200. */
export interface GpuWorker {
  worker: Worker;
  /** Base URL of `/ready` and `/metrics`. */
  httpUrl: string;
  /** Runs until SIGINT/SIGTERM (or `worker.shutdown()`), then releases everything. */
  run(): Promise<void>;
}

/**
 * Starts the GPU worker in this order, each step failing fast with a message: the device (no
 * GPU → {@link StartupError}), the model (missing → StartupError), the readiness endpoint (503
 * until the end), the whisper.cpp build for the device, every model instance, Temporal.
 */
export async function startGpuWorker(config: Config, logger: Logger): Promise<GpuWorker> {
  const { device, instances, threads } = config.whisper;
  const gpus = await preflight(device);
  const modelPath = await resolveGpuWorkerModel({
    modelPath: config.whisper.modelPath,
    size: config.whisper.modelSize,
    logger: logger.child({ component: 'whisper-model' }),
  });
  logger.info({ device, gpus, model: modelPath, instances }, 'gpu-worker starting');

  const metrics = createMetricsRegistry();
  const readyGauge = new Gauge({
    name: 'dzvin_gpu_worker_ready',
    help: '1 once every model instance is loaded and the worker polls stt-whisper, else 0',
    registers: [metrics],
  });
  const state: { ready: boolean; pool?: WhisperPool } = { ready: false };
  const http = await serveMetrics(metrics, {
    port: config.whisper.gpuWorkerPort,
    routes: {
      '/ready': () => ({
        status: state.ready ? 200 : 503,
        body: {
          ready: state.ready,
          taskQueue: WHISPER_TASK_QUEUE,
          device,
          model: path.basename(modelPath),
          instances,
          running: state.pool?.running ?? 0,
          busy: state.pool?.busy ?? 0,
        },
      }),
    },
  });
  const closers: Closers = [() => http.close()];
  try {
    // Redis first: a wrong REDIS_URL stops the worker in seconds, not after a build and a load.
    if (!config.redisUrl) {
      logger.warn({}, 'REDIS_URL is unset: only utterances stored on this machine can be read');
    }
    const blobs = await openBlobStore(config, logger, closers);
    const binaryPath = await buildFor(device, logger);
    const pool = new WhisperPool({
      modelPath,
      binaryPath,
      device,
      threads,
      instances,
      logger: logger.child({ component: 'whisper' }),
    });
    closers.push(() => pool.close());
    state.pool = pool;
    const loadStartedAt = Date.now();
    await pool.start().catch((error: unknown) => {
      // whisper.cpp refusing the model file is a fact of the file, not a passing fault.
      if (error instanceof WhisperServerError && !error.retryable) {
        throw new StartupError(`whisper-server cannot load ${modelPath}: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    });
    logger.info({ instances, loadMs: Date.now() - loadStartedAt, pids: pool.pids }, 'model loaded');

    const temporal = await connectTemporal(config, logger);
    closers.push(() => temporal.close());
    const worker = await createWhisperQueueWorker({
      address: temporal.connection.options.address,
      namespace: temporal.namespace,
      stt: pool,
      blobs,
      instances,
      metrics,
    });
    const httpUrl = http.url.replace(/\/metrics$/, '');
    const readyUrl = `${httpUrl}/ready`;
    return {
      worker,
      httpUrl,
      run: async () => {
        // The SDK's own SIGINT/SIGTERM handlers shut the worker down, which ends `run()`.
        const running = worker.run();
        state.ready = true;
        readyGauge.set(1);
        logger.info(
          { taskQueue: WHISPER_TASK_QUEUE, device, model: modelPath, instances, readyUrl },
          'gpu-worker ready',
        );
        try {
          await running;
        } finally {
          state.ready = false;
          readyGauge.set(0);
          await closeAll(closers);
        }
      },
    };
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

async function buildFor(device: Config['whisper']['device'], logger: Logger): Promise<string> {
  try {
    return await ensureWhisperServer({
      device,
      logger: logger.child({ component: 'whisper-build' }),
    });
  } catch (error) {
    // Missing tools are this machine's setup, not a fault a restart fixes.
    if (error instanceof WhisperBuildError && error.code !== 'build-failed') {
      throw new StartupError(error.message, { cause: error });
    }
    throw error;
  }
}
