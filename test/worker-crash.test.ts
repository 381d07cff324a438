import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { audioDurationMs } from '../domain/audio.js';
import type { AudioRef } from '../domain/audio.js';
import { decodeAudioFile } from '../infra/audio-file.js';
import { FileBlobStore } from '../infra/blob-store.js';
import { startCallWorkflow } from '../infra/calls-client.js';
import { REPO_ROOT } from '../infra/config.js';
import { hangupSignal, turnUpdate } from '../workflows/call-messages.js';
import type { TurnResult } from '../workflows/call-messages.js';
import type { callWorkflow } from '../workflows/call-workflow.js';
import { SHARED_DIR, WEIGHTLESS_TINY_MODEL } from './support/call-harness.js';
import { createTestDatabase } from './support/postgres.js';
import type { TestDatabase } from './support/postgres.js';
import { freePort, startTestTemporal } from './support/temporal.js';
import type { TestTemporal } from './support/temporal.js';

/** whisper.cpp's price in domain/pricing/2026-12-01.json: $0.0002 a minute, in nUSD per ms. */
const WHISPER_NANO_USD_PER_MS = 200_000 / 60_000;

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
}

/** Starts `workers/main.ts` the way `npm run worker` does. */
function startWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.XDG_CACHE_HOME ? { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } : {}),
      ...(process.env.TEMPORAL_CLI_PATH
        ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH }
        : {}),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString('utf8')));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString('utf8')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

async function waitUntilStarted(worker: WorkerProcess): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!worker.output().includes('"msg":"worker started"')) {
    if (worker.child.exitCode !== null) {
      throw new Error(`worker exited with ${worker.child.exitCode}:\n${worker.output()}`);
    }
    if (Date.now() > deadline) throw new Error(`worker did not start:\n${worker.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILL: no shutdown hook runs, running activities are abandoned mid-flight. */
async function kill(worker: WorkerProcess): Promise<void> {
  worker.child.kill('SIGKILL');
  await worker.exited;
}

/**
 * Resolves once the worker has started a local activity of `type`: the server cannot tell, since
 * a local activity is recorded only when the workflow task that runs it completes.
 */
async function localActivityStarted(worker: WorkerProcess, type: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const started = worker
      .output()
      .split('\n')
      .some(
        (line) =>
          line.includes('"msg":"Activity started"') &&
          line.includes(`"activityType":"${type}"`) &&
          line.includes('"isLocal":true'),
      );
    if (started) return;
    if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`local activity ${type} never started:\n${worker.output()}`);
}

/** Resolves once an activity of `type` is running for the workflow, as the server reports it. */
async function activityRunning(
  handle: WorkflowHandle<typeof callWorkflow>,
  type: string,
  turnDone: Promise<unknown>,
): Promise<void> {
  let done = false;
  void turnDone.finally(() => (done = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { raw } = await handle.describe();
    const running = (raw.pendingActivities ?? []).some(
      (activity) => activity.activityType?.name === type && Number(activity.state) === 2,
    );
    if (running) return;
    if (done) throw new Error(`the turn ended before ${type} was seen running`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${type} never ran`);
}

describe('a call whose worker process is killed and restarted', () => {
  let temporal: TestTemporal;
  let database: TestDatabase;
  let dataDir: string;
  let workerEnv: Record<string, string>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    temporal = await startTestTemporal();
    database = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-crash-'));
    workerEnv = {
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_URL: database.url,
      DZVIN_DATA_DIR: dataDir,
      WHISPER_MODEL_PATH: WEIGHTLESS_TINY_MODEL,
      WHISPER_THREADS: '1',
      METRICS_PORT: String(await freePort()),
    };
  }, 240_000);

  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) await kill(worker);
    await database?.drop();
    await temporal?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function freshWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
    const worker = startWorker({ ...workerEnv, METRICS_PORT: String(await freePort()), ...env });
    workers.push(worker);
    await waitUntilStarted(worker);
    return worker;
  }

  /** Stores a shared recording (repeated `times` over) as one utterance of the call. */
  async function utterance(callId: string, name: string, file: string, times = 1) {
    const decoded = await decodeAudioFile(
      await readFile(path.join(SHARED_DIR, 'audio', file)),
      path.basename(file),
    );
    const pcm = Buffer.concat(Array.from({ length: times }, () => decoded.pcm));
    const key = `call/${callId}/${name}.pcm`;
    await new FileBlobStore(path.join(dataDir, 'blobs'), 3_600_000).put(key, pcm);
    const audio: AudioRef = {
      key,
      format: decoded.format,
      bytes: pcm.length,
      durationMs: audioDurationMs(pcm.length, decoded.format),
    };
    return audio;
  }

  it('bills each utterance exactly once and stores one row with the whole cost', async () => {
    const first = await freshWorker();
    const callId = `crash-${process.pid}-${Date.now()}`;
    const handle = await startCallWorkflow(temporal.client, { callId, language: 'uk' });
    const turns: TurnResult[] = [];
    const say = (audio: AudioRef) => handle.executeUpdate(turnUpdate, { args: [{ audio }] });

    const one = await utterance(callId, 'utt-1', 'uk/ast_uk_vm-sorry.wav');
    turns.push(await say(one));

    // Killed between turns: the next worker rebuilds the call's ledger from its history alone.
    await kill(first);
    const second = await freshWorker();
    const two = await utterance(callId, 'utt-2', 'uk/ast_uk_pbx-invalid.wav');
    turns.push(await say(two));

    // Killed while Whisper transcribes: the abandoned attempt is noticed by its missing
    // heartbeats, the utterance is transcribed again, and only that transcription is paid for.
    const three = await utterance(callId, 'utt-3', 'uk/ast_uk_tt-allbusy.wav', 4);
    const turnThree = say(three);
    await activityRunning(handle, 'transcribeWhisper', turnThree);
    await kill(second);
    await freshWorker();
    turns.push(await turnThree);

    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    const summary = await handle.result();

    const audioMs = [one, two, three].map((audio) => audio.durationMs);
    const expectedNano = audioMs
      .map((ms) => Math.round(ms * WHISPER_NANO_USD_PER_MS))
      .reduce((sum, nano) => sum + nano, 0);
    const expectedUsd = (expectedNano / 1e9).toFixed(9);

    expect(turns.map((turn) => turn.turn)).toEqual([1, 2, 3]);
    expect(turns[2]?.route?.sttFallback).toBe('whisper-timed-out');
    expect(summary).toMatchObject({ turns: 3, failedTurns: 0, totalCostUsd: expectedUsd });

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{
        total_cost_usd: string;
        cost_breakdown: {
          turns: number;
          usage: { sttAudioMsByRequest: number[]; sttLatencyMsByRequest: number[] };
        };
      }>('select total_cost_usd, cost_breakdown from calls where id = $1', [callId]);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.total_cost_usd).toBe(expectedUsd);
      expect(rows[0]?.cost_breakdown.turns).toBe(3);
      expect(rows[0]?.cost_breakdown.usage.sttAudioMsByRequest).toEqual(audioMs);
      // The abandoned transcription shows in the STT latency the A/B report reads: the turn
      // waited out the 12 s heartbeat timeout before the fallback ran.
      const latencies = rows[0]?.cost_breakdown.usage.sttLatencyMsByRequest ?? [];
      expect(latencies).toHaveLength(3);
      expect(latencies[2]).toBeGreaterThanOrEqual(12_000);
    } finally {
      await client.end();
    }
  }, 300_000);
  it('answers a turn whose worker dies during a local stage, and charges the call for one transcription', async () => {
    for (const worker of workers) if (worker.child.exitCode === null) await kill(worker);
    // On the Google arm (whisper.cpp stands in for Google when embedded) speech-to-text is a
    // local activity of the calls worker, running inside the call's workflow task.
    const first = await freshWorker({ LOG_LEVEL: 'debug', FF_STT_PROVIDER: 'google' });
    const callId = `crash-local-${process.pid}-${Date.now()}`;
    const handle = await startCallWorkflow(temporal.client, { callId, language: 'uk' });
    const audio = await utterance(callId, 'utt-1', 'uk/ast_uk_tt-allbusy.wav', 4);

    const turn = handle.executeUpdate(turnUpdate, { args: [{ audio }] });
    await localActivityStarted(first, 'transcribe');
    await kill(first);
    // The killed worker's workflow task times out; the next worker replays the call and runs
    // the stages whose results were never recorded. The lost transcription was real work, but
    // only the recorded one is in the ledger.
    await freshWorker();
    const result = await turn;
    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    const summary = await handle.result();

    expect(result.turn).toBe(1);
    expect(result.route).toMatchObject({ sttArm: 'google' });
    expect(result.route?.sttFallback).toBeUndefined();
    const expectedUsd = (Math.round(audio.durationMs * WHISPER_NANO_USD_PER_MS) / 1e9).toFixed(9);
    expect(summary).toMatchObject({ turns: 1, failedTurns: 0, totalCostUsd: expectedUsd });

    const history = await handle.fetchHistory();
    const localStages = (history.events ?? []).filter(
      (event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    );
    expect(localStages).toHaveLength(3);
  }, 300_000);
});
