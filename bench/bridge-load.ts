/**
 * Load on the telephony bridge: N simultaneous callers, each a Twilio Media Stream client that
 * speaks a real sample (samples/synthesized/synth-uk-fridge-price.wav) as 20 ms frames in real
 * time and listens to the reply, for T turns (bench/bridge-callers.ts, in a process of its own).
 *
 *   npx tsx bench/bridge-load.ts [--calls 50] [--turns 3] [--temporal-storage file|memory]
 *                                [--reply-ms-per-char 60] [--reply-max-ms 8000]
 *                                [--dial-over-ms 8000] [--out file.json]
 *
 * Providers are fast fakes so that what is measured is the bridge and Temporal: scripted STT
 * (instant), the fallback dialog (pattern matching and a catalogue query in Postgres) and a
 * tone TTS that answers at once with as much audio as the reply would take to say
 * (`--reply-ms-per-char`; eSpeak NG takes 65-130 ms a character on the shop's replies). Callers
 * dial one after another over `--dial-over-ms`, about one turn's length, so that their turns
 * fall at random moments of each other's, as in a steady hour of calls. The stress profile
 * `--reply-ms-per-char 10 --reply-max-ms 600 --dial-over-ms 2000` has every caller speak again
 * within four seconds and the first turns of all calls come together. The `calls` worker runs
 * in this process, the Temporal dev server, the callers and the bridge (`bridge/main.ts`) in
 * child processes, so the bridge's CPU time is read apart from everything else (/proc).
 *
 * Reported: the bridge's reply latency (end of utterance decided → first reply frame sent) and
 * the same less the STT, LLM and TTS activity times ("added": bridge, blob store, Temporal),
 * both as p50/p95 from the bridge's histograms; the latency each caller perceives (last speech
 * frame sent → first reply frame received, which includes what is left of the end-of-utterance
 * silence after the sample's own quiet tail); the bridge's CPU per call; and where a turn's time
 * inside Temporal goes, read from the calls' histories: mean and p95 of each step between two
 * events (a workflow task waiting for the worker, the worker running it, an activity waiting, an
 * activity running).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

import { FileBlobStore } from '../infra/blob-store.js';
import { REPO_ROOT } from '../infra/config.js';
import { ToneTts } from '../test/fakes/tone-tts.js';
import { startCallHarness } from '../test/support/call-harness.js';
import { ScriptedStt } from '../test/support/scripted-stt.js';
import { freePort } from '../test/support/temporal.js';

const END_OF_UTTERANCE_MS = 700;
const CLOCK_TICKS_PER_SECOND = 100;

const { values: args } = parseArgs({
  options: {
    calls: { type: 'string', default: '50' },
    turns: { type: 'string', default: '3' },
    'temporal-storage': { type: 'string', default: 'file' },
    'reply-ms-per-char': { type: 'string', default: '60' },
    'reply-max-ms': { type: 'string', default: '8000' },
    'dial-over-ms': { type: 'string', default: '8000' },
    out: { type: 'string' },
  },
});
const calls = Number(args.calls);
const turns = Number(args.turns);
const temporalStorage = args['temporal-storage'] === 'memory' ? 'memory' : 'file';

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-bridge-bench-'));
  const stt = new ScriptedStt();
  stt.say(...Array.from({ length: calls * turns }, () => 'Скільки коштує холодильник?'));
  const harness = await startCallHarness({
    overrides: {
      stt,
      tts: new ToneTts({
        msPerCharacter: Number(args['reply-ms-per-char']),
        minMs: 300,
        maxMs: Number(args['reply-max-ms']),
      }),
      blobs: new FileBlobStore(path.join(dataDir, 'blobs'), 3_600_000),
    },
    // Every turn on the `calls` queue, where the scripted STT is; see test/support/bridge-harness.
    env: { FF_STT_PROVIDER: 'google' },
    temporalStorage,
  });
  const port = await freePort();
  const bridge = spawn(process.execPath, ['--import', 'tsx', 'bridge/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: harness.temporal.address,
      DZVIN_DATA_DIR: dataDir,
      REDIS_URL: '',
      BRIDGE_PORT: String(port),
      BRIDGE_HOST: '127.0.0.1',
      BRIDGE_END_OF_UTTERANCE_MS: String(END_OF_UTTERANCE_MS),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForBridge(url);
    const cpuBefore = bridgeCpuSeconds(bridge.pid!);
    const startedAt = performance.now();
    const callers = await runCallers(url);
    const perceived = callers.perceivedMs;
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const cpuSeconds = bridgeCpuSeconds(bridge.pid!) - cpuBefore;

    const metrics = await fetch(`${url}/metrics`).then((response) => response.text());
    const steps = await historySteps(harness.temporal.client);
    const reply = histogram(metrics, 'dzvin_bridge_reply_latency_seconds');
    const added = histogram(metrics, 'dzvin_bridge_added_latency_seconds');
    const report = {
      calls,
      turnsPerCall: turns,
      turnsAnswered: reply.count,
      repliesMissed: callers.missed,
      bridgeCounters: metrics
        .split('\n')
        .filter((line) =>
          /^dzvin_bridge_(turns|frames_dropped|protocol_errors|workflow_errors|calls_ended)/.test(
            line,
          ),
        ),
      wallSeconds: round(wallSeconds),
      turnsPerSecond: round(reply.count / wallSeconds),
      replyMsPerCharacter: Number(args['reply-ms-per-char']),
      replyMaxMs: Number(args['reply-max-ms']),
      dialOverMs: Number(args['dial-over-ms']),
      bridgeReplyLatencyMs: { p50: reply.quantile(0.5), p95: reply.quantile(0.95) },
      bridgeAddedLatencyMs: { p50: added.quantile(0.5), p95: added.quantile(0.95) },
      callerPerceivedMs: {
        note: `from the end of the sample file, whose own trailing silence counts toward the bridge's ${END_OF_UTTERANCE_MS} ms end-of-utterance wait`,
        p50: percentile(perceived, 0.5),
        p95: percentile(perceived, 0.95),
      },
      temporalStorage,
      temporalStepsMs: steps,
      bridgeCpu: {
        seconds: round(cpuSeconds),
        percentOfOneCorePerCall: round((cpuSeconds / wallSeconds / calls) * 100),
        percentOfOneCoreTotal: round((cpuSeconds / wallSeconds) * 100),
      },
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAverage: os.loadavg() },
    };
    console.log(JSON.stringify(report, null, 2));
    if (args.out) await writeFile(args.out, JSON.stringify(report, null, 2));
  } finally {
    if (bridge.exitCode === null && bridge.signalCode === null) {
      const exited = new Promise((resolve) => bridge.once('exit', resolve));
      bridge.kill('SIGTERM');
      await exited;
    }
    await harness.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The steps of a turn between two history events whose time is worth reading, by name. */
const STEPS: Record<string, string> = {
  'WORKFLOW_TASK_SCHEDULED>WORKFLOW_TASK_STARTED': 'workflow task waits for the worker',
  'WORKFLOW_TASK_STARTED>WORKFLOW_TASK_COMPLETED': 'worker runs the workflow task',
  'ACTIVITY_TASK_SCHEDULED>ACTIVITY_TASK_STARTED': 'activity waits for the worker',
  'ACTIVITY_TASK_STARTED>ACTIVITY_TASK_COMPLETED': 'activity runs (fake providers)',
  'ACTIVITY_TASK_COMPLETED>WORKFLOW_TASK_SCHEDULED': 'activity result reaches the workflow',
};

/** Mean and p95 of each step in the histories of the benchmark's calls, with their counts. */
async function historySteps(client: Client) {
  const durations = new Map<string, number[]>();
  for await (const call of client.workflow.list({ query: 'WorkflowType = "callWorkflow"' })) {
    const history = await client.workflow.getHandle(call.workflowId).fetchHistory();
    const events = history.events ?? [];
    for (let i = 1; i < events.length; i++) {
      const [before, after] = [events[i - 1]!, events[i]!];
      const step = STEPS[`${eventName(before)}>${eventName(after)}`];
      if (!step) continue;
      const list = durations.get(step) ?? [];
      list.push(eventMs(after) - eventMs(before));
      durations.set(step, list);
    }
  }
  return Object.fromEntries(
    Object.values(STEPS).map((step) => {
      const values = durations.get(step) ?? [];
      const mean = values.reduce((sum, value) => sum + value, 0) / (values.length || 1);
      return [step, { n: values.length, mean: round(mean), p95: percentile(values, 0.95) }];
    }),
  );
}

function eventName(event: proto.temporal.api.history.v1.IHistoryEvent): string {
  return (
    proto.temporal.api.enums.v1.EventType[event.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? ''
  );
}

function eventMs(event: proto.temporal.api.history.v1.IHistoryEvent): number {
  const time = event.eventTime;
  return Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
}

/** Runs bench/bridge-callers.ts against the bridge and reads back what the callers heard. */
async function runCallers(url: string): Promise<{ perceivedMs: number[]; missed: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/bridge-callers.ts',
      url,
      String(calls),
      String(turns),
      String(args['dial-over-ms']),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the callers exited with code ${code}`);
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
    perceivedMs: number[];
    missed: number;
  };
}

/** The bridge synthesizes its prompts with eSpeak NG before it listens: allow it a minute. */
async function waitForBridge(url: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    if (performance.now() > deadline) throw new Error('the bridge did not start within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** User and system CPU seconds of a process, from /proc/PID/stat (fields 14 and 15). */
function bridgeCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * A Prometheus histogram read back from the text format; quantiles are interpolated linearly
 * within a bucket, as PromQL's histogram_quantile does, and returned in milliseconds.
 */
function histogram(text: string, name: string) {
  const buckets: { le: number; count: number }[] = [];
  const pattern = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm');
  for (const match of text.matchAll(pattern)) {
    buckets.push({
      le: match[1] === '+Inf' ? Infinity : Number(match[1]),
      count: Number(match[2]),
    });
  }
  const count = buckets.at(-1)?.count ?? 0;
  return {
    count,
    quantile(q: number): number {
      const rank = q * count;
      let lower = 0;
      let below = 0;
      for (const bucket of buckets) {
        if (bucket.count >= rank) {
          if (bucket.le === Infinity) return round(lower * 1000);
          const share = bucket.count === below ? 0 : (rank - below) / (bucket.count - below);
          return round((lower + (bucket.le - lower) * share) * 1000);
        }
        lower = bucket.le;
        below = bucket.count;
      }
      return NaN;
    },
  };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

// The Temporal SDK's native runtime keeps the process alive after every worker and connection
// closed, so the benchmark ends itself once its report is out.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
