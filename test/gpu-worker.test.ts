import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createWhisperSttActivities } from '../activities/stt.js';
import type { TranscribeInput, TranscribeResult } from '../activities/stt.js';
import { SPEECH_FORMAT } from '../domain/audio.js';
import type { SpeechToText } from '../engines/types.js';
import { FileBlobStore } from '../infra/blob-store.js';
import { REPO_ROOT } from '../infra/config.js';
import { parseWav } from '../infra/wav.js';
import { withHeartbeats } from '../workers/whisper-worker.js';
import { SHARED_DIR } from './support/call-harness.js';
import { freePort, startTestTemporal } from './support/temporal.js';
import type { TestTemporal } from './support/temporal.js';
import type { transcribeOnWhisperQueue } from './support/whisper-probe-workflow.js';

const TINY_MODEL = path.join(SHARED_DIR, 'models', 'for-tests-ggml-tiny.bin');
/** "Вибачте, даний номер не існує. Будь ласка, спробуйте ще раз." — 3.79 s, 8 kHz PCM. */
const RECORDING = path.join(SHARED_DIR, 'audio', 'uk', 'ast_uk_pbx-invalid.wav');
const PROBE_WORKFLOWS = fileURLToPath(
  new URL('./support/whisper-probe-workflow.ts', import.meta.url),
);

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `gpu-worker/main.ts` the way `npm run gpu-worker` does, with the given environment. */
function startGpuWorker(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gpu-worker/main.ts'], {
    cwd: REPO_ROOT,
    // Only what a deployment would set: nothing of the test run's own services leaks in.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.XDG_CACHE_HOME ? { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } : {}),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString('utf8')));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

async function waitForLine(started: Started, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(started.output())) {
    if (started.child.exitCode !== null) {
      throw new Error(`gpu-worker exited with ${started.child.exitCode}:\n${started.output()}`);
    }
    if (Date.now() > deadline) throw new Error(`no ${pattern} in time:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the gpu-worker process on the CPU with the weightless tiny model', () => {
  let temporal: TestTemporal;
  let dataDir: string;
  let port: number;
  let gpuWorker: Started;

  beforeAll(async () => {
    temporal = await startTestTemporal();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-gpu-worker-'));
    port = await freePort();
    gpuWorker = startGpuWorker({
      TEMPORAL_ADDRESS: temporal.address,
      DZVIN_DATA_DIR: dataDir,
      WHISPER_DEVICE: 'cpu',
      WHISPER_MODEL_PATH: TINY_MODEL,
      WHISPER_INSTANCES: '2',
      WHISPER_THREADS: '1',
      GPU_WORKER_PORT: String(port),
    });
    await waitForLine(gpuWorker, /"msg":"gpu-worker ready"/, 180_000);
  }, 240_000);

  afterAll(async () => {
    if (gpuWorker?.child.exitCode === null) {
      gpuWorker.child.kill('SIGKILL');
      await gpuWorker.exited;
    }
    await temporal?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('says it is ready, with both model instances loaded', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/ready`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ready: true,
      taskQueue: 'stt-whisper',
      device: 'cpu',
      model: 'for-tests-ggml-tiny.bin',
      instances: 2,
      running: 2,
    });
  });

  it('transcribes utterances that workflows send to the stt-whisper queue', async () => {
    const recording = parseWav(await readFile(RECORDING));
    const blobs = new FileBlobStore(path.join(dataDir, 'blobs'), 3_600_000);
    await blobs.put('call/gpu-test/utt-1.pcm', recording.data);
    const audio = {
      key: 'call/gpu-test/utt-1.pcm',
      format: recording.format,
      bytes: recording.data.length,
      durationMs: 3791,
    };
    const caller = await Worker.create({
      connection: await NativeConnection.connect({ address: temporal.address }),
      taskQueue: 'gpu-worker-test',
      workflowsPath: PROBE_WORKFLOWS,
    });

    const results = await caller.runUntil(() =>
      Promise.all(
        [1, 2].map((turn) =>
          temporal.client.workflow.execute<typeof transcribeOnWhisperQueue>(
            'transcribeOnWhisperQueue',
            {
              taskQueue: 'gpu-worker-test',
              workflowId: `gpu-worker-test-${turn}-${Date.now()}`,
              args: [{ callId: 'gpu-test', turn, audio, language: 'uk' }],
            },
          ),
        ),
      ),
    );

    for (const result of results) {
      // The weightless model recognizes nothing; the call still gets a well-formed turn.
      expect(typeof result.transcript.text).toBe('string');
      expect(result.usage).toEqual({
        provider: 'whisper.cpp',
        audioMs: 3791,
        billedAudioMs: 3791,
      });
    }
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/dzvin_gpu_worker_ready 1/);
    expect(metrics).toMatch(/dzvin_whisper_transcriptions_total\{[^}]*language="uk"[^}]*\} 2/);
  });

  it('stops cleanly on SIGTERM', async () => {
    gpuWorker.child.kill('SIGTERM');

    expect(await gpuWorker.exited).toBe(0);
    expect(gpuWorker.output()).toMatch(/"msg":"gpu-worker stopped"/);
  });
});

describe('the gpu-worker refusing to start', () => {
  it('exits with code 2 and says so when the configured model file is missing', async () => {
    const started = startGpuWorker({
      WHISPER_MODEL_PATH: '/nonexistent/ggml-large-v3.bin',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });

    expect(await started.exited).toBe(2);
    expect(started.output()).toContain(
      'cannot start: WHISPER_MODEL_PATH points to /nonexistent/ggml-large-v3.bin, which does not exist',
    );
  });

  it('exits with code 2 when the model size is not installed and has no download', async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'dzvin-empty-cache-'));
    try {
      const started = startGpuWorker({
        XDG_CACHE_HOME: cache,
        WHISPER_MODEL_SIZE: 'large-v9',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
      });

      expect(await started.exited).toBe(2);
      expect(started.output()).toContain('Whisper model ggml-large-v9.bin is not in');
      expect(started.output()).toContain('WHISPER_MODEL_PATH');
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('exits with code 2 when asked for CUDA on a machine without an NVIDIA GPU', async () => {
    const started = startGpuWorker({
      WHISPER_DEVICE: 'cuda',
      WHISPER_MODEL_PATH: TINY_MODEL,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      // Whatever this machine has, a PATH without nvidia-smi is a machine without the driver.
      PATH: path.dirname(process.execPath),
    });

    expect(await started.exited).toBe(2);
    expect(started.output()).toContain('WHISPER_DEVICE=cuda but nvidia-smi is not on PATH');
  });
});

describe('heartbeats during a transcription', () => {
  it('beat while the engine works, so a dead worker is noticed before the activity times out', async () => {
    const slow: SpeechToText = {
      provider: 'slow-fake',
      transcribe: async () => {
        await new Promise((resolve) => setTimeout(resolve, 350));
        return {
          transcript: { text: 'так', language: 'uk' },
          usage: { provider: 'slow-fake', audioMs: 1000, billedAudioMs: 1000 },
        };
      },
    };
    const blobs = new FileBlobStore(await mkdtemp(path.join(os.tmpdir(), 'dzvin-hb-')), 60_000);
    await blobs.put('utt', Buffer.alloc(32_000));
    const { transcribeWhisper } = createWhisperSttActivities({
      blobs,
      stt: withHeartbeats(slow, 50),
    });
    const environment = new MockActivityEnvironment();
    const beats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => beats.push(details));

    const input: TranscribeInput = {
      callId: 'hb',
      turn: 1,
      language: 'uk',
      audio: { key: 'utt', format: SPEECH_FORMAT, bytes: 32_000, durationMs: 1000 },
    };
    const result: TranscribeResult = await environment.run(transcribeWhisper, input);

    expect(result.transcript.text).toBe('так');
    expect(beats.length).toBeGreaterThanOrEqual(4);
  });
});
