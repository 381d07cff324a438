import type { Worker, WorkerOptions } from '@temporalio/worker';

import type { Runtime } from './runtime.js';
import { createCallsWorker } from './calls-worker.js';
import { createWhisperQueueWorker } from './whisper-worker.js';

/** The workers one process runs, started and stopped together. */
export interface WorkerSet {
  workers: Worker[];
  /** Runs every worker until `work` settles, then shuts them all down. */
  runUntil<T>(work: () => Promise<T>): Promise<T>;
  /** Runs every worker until one stops or `shutdown()` is called. */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * The `calls` worker, plus an `stt-whisper` worker when this process has a whisper.cpp engine
 * loaded (the embedded mode): then Whisper-armed calls are served here on the CPU, exactly as
 * a GPU worker would serve them.
 */
export async function createWorkerSet(options: {
  address: string;
  namespace: string;
  runtime: Runtime;
  bundle?: WorkerOptions['workflowBundle'];
}): Promise<WorkerSet> {
  const { runtime } = options;
  const workers = [
    await createCallsWorker({
      address: options.address,
      namespace: options.namespace,
      activities: runtime.activities,
      bundle: options.bundle,
    }),
  ];
  if (runtime.stt.provider === 'whisper.cpp') {
    workers.push(
      await createWhisperQueueWorker({
        address: options.address,
        namespace: options.namespace,
        stt: runtime.stt,
        blobs: runtime.blobs,
        instances: 1,
        metrics: runtime.metrics,
        costMetrics: runtime.costMetrics,
      }),
    );
  }

  const shutdown = () => {
    for (const worker of workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  };
  const run = async () => {
    try {
      await Promise.race(workers.map((worker) => worker.run()));
    } finally {
      shutdown();
    }
  };
  return {
    workers,
    run,
    shutdown,
    runUntil: async (work) => {
      const running = Promise.all(workers.map((worker) => worker.run()));
      try {
        return await work();
      } finally {
        shutdown();
        await running;
      }
    },
  };
}
