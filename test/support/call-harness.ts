import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { bundleWorkflowCode } from '@temporalio/worker';

import type { AudioRef } from '../../domain/audio.js';
import { decodeAudioFile } from '../../infra/audio-file.js';
import { startCallWorkflow } from '../../infra/calls-client.js';
import { loadConfig, REPO_ROOT } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import type { Logger } from '../../infra/logger.js';
import { installTemporalLogging } from '../../infra/temporal-logging.js';
import type { CallInput } from '../../workflows/call-messages.js';
import { WORKFLOWS_PATH } from '../../workers/calls-worker.js';
import { createWorkerSet } from '../../workers/worker-set.js';
import type { WorkerSet } from '../../workers/worker-set.js';
import { createRuntime } from '../../workers/runtime.js';
import type { Runtime, RuntimeOverrides } from '../../workers/runtime.js';
import { createTestDatabase } from './postgres.js';
import type { TestDatabase } from './postgres.js';
import { startTestTemporal } from './temporal.js';
import type { TestTemporal } from './temporal.js';

/** The shared recordings and test models laid beside the repository. */
export const SHARED_DIR = process.env.DZVIN_SHARED_DIR ?? path.resolve(REPO_ROOT, '..', 'shared');
export const WEIGHTLESS_TINY_MODEL = path.join(SHARED_DIR, 'models', 'for-tests-ggml-tiny.bin');

export interface CallHarness {
  temporal: TestTemporal;
  database: TestDatabase;
  runtime: Runtime;
  /** The `calls` worker, and the `stt-whisper` worker when the runtime has whisper.cpp. */
  workers: WorkerSet;
  /** Starts a call workflow with a fresh call id. */
  startCall(input?: Partial<CallInput>): ReturnType<typeof startCallWorkflow>;
  /** Decodes a recording from ../shared/audio and stores it as an utterance of the call. */
  storeRecording(callId: string, name: string, relativePath: string): Promise<AudioRef>;
  close(): Promise<void>;
}

let sequence = 0;

/**
 * Everything real: a private Temporal dev server, a fresh Postgres database, the embedded
 * engines (whisper.cpp with the weightless test model unless told otherwise, eSpeak NG, the
 * fallback dialog) and a `calls` worker running in this process.
 */
export async function startCallHarness(
  options: {
    overrides?: RuntimeOverrides;
    env?: Record<string, string>;
    temporalStorage?: 'file' | 'memory';
  } = {},
): Promise<CallHarness> {
  const temporal = await startTestTemporal({ storage: options.temporalStorage });
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-data-'));
  const config = loadConfig({
    DATABASE_URL: database.url,
    DZVIN_DATA_DIR: dataDir,
    WHISPER_MODEL_PATH: WEIGHTLESS_TINY_MODEL,
    LOG_LEVEL: 'warn',
    ...options.env,
  });
  const logger = createLogger({ ...config.log, process: 'test' });
  quietTemporalLogs(logger);
  const runtime = await createRuntime(config, logger, options.overrides);
  const workers = await createWorkerSet({
    address: temporal.address,
    namespace: temporal.namespace,
    runtime,
    bundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundler }),
  });
  // Each worker runs on its own, so a test can stop one (the Whisper queue's) mid-call.
  const running = Promise.all(workers.workers.map((worker) => worker.run()));

  return {
    temporal,
    database,
    runtime,
    workers,
    startCall: (input = {}) =>
      startCallWorkflow(temporal.client, {
        callId: input.callId ?? `test-${process.pid}-${Date.now()}-${++sequence}`,
        language: input.language ?? 'uk',
        callerHash: input.callerHash,
      }),
    storeRecording: async (callId, name, relativePath) => {
      const file = path.join(SHARED_DIR, 'audio', relativePath);
      const audio = await decodeAudioFile(await readFile(file), path.basename(file));
      const key = `call/${callId}/${name}.pcm`;
      await runtime.blobs.put(key, audio.pcm);
      return { key, format: audio.format, bytes: audio.pcm.length, durationMs: audio.durationMs };
    },
    close: async () => {
      workers.shutdown();
      await running;
      await runtime.close();
      await database.drop();
      await temporal.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let temporalLoggingInstalled = false;

/** Temporal's own logs at warn level, once per test process (the SDK allows one install). */
function quietTemporalLogs(logger: Logger): void {
  if (temporalLoggingInstalled) return;
  temporalLoggingInstalled = true;
  try {
    installTemporalLogging(logger);
  } catch {
    // Another harness in this process installed it first.
  }
}

const quietBundler = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta),
  log: () => undefined,
};
