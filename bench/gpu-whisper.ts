/**
 * Latency and throughput of whisper.cpp on an NVIDIA GPU at several concurrency levels: for each
 * level N, a pool of N whisper-server instances (what the GPU worker runs with
 * WHISPER_INSTANCES=N) is kept busy with N utterances in flight, `rounds` utterances each.
 * Run through bench/gpu-whisper.sh, which builds the CUDA binary first.
 *
 *   npx tsx bench/gpu-whisper.ts [--model file] [--levels 1,4,16] [--rounds 3] [--out file]
 *
 * `--device cpu` runs the same measurement on the CPU build (a smoke run of this script).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { ensureWhisperServer } from '../engines/stt/whisper-build.js';
import { downloadWhisperModel, ggmlProblem } from '../engines/stt/whisper-model.js';
import { WhisperPool } from '../engines/stt/whisper-pool.js';
import { dzvinCacheDir } from '../engines/stt/whisper-support.js';
import { loadReferenceSet } from '../evaluation/reference-set.js';
import { percentile } from '../evaluation/statistics.js';
import { decodeAudioFile } from '../infra/audio-file.js';
import { REPO_ROOT } from '../infra/config.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    device: { type: 'string', default: 'cuda' },
    levels: { type: 'string', default: '1,4,16' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    out: { type: 'string', default: path.join(REPO_ROOT, 'out', 'bench', 'gpu-whisper.json') },
  },
});
if (values.device !== 'cuda' && values.device !== 'cpu') {
  throw new Error(`--device must be cuda or cpu, not "${values.device}"`);
}
const device = values.device;
const levels = values.levels.split(',').map(Number);
const rounds = Number(values.rounds);
const shared = path.resolve(REPO_ROOT, '..', 'shared');

const model = await chooseModel(values.model ?? process.env.WHISPER_MODEL_PATH);
console.log(`model: ${model.file} (${model.label})`);
const binaryPath = await ensureWhisperServer({ device });
const utterances = await Promise.all(
  (await loadReferenceSet(path.join(shared, 'audio'))).map(async (item) => ({
    item,
    audio: await decodeAudioFile(await readFile(item.absolutePath), item.file),
  })),
);

type LevelResult =
  | {
      concurrency: number;
      utterances: number;
      loadMs: number;
      p50Ms: number;
      p95Ms: number;
      utterancesPerSecond: number;
      audioSecondsPerSecond: number;
    }
  | { concurrency: number; error: string };

const results: LevelResult[] = [];
for (const level of levels) {
  const pool = new WhisperPool({
    modelPath: model.file,
    binaryPath,
    device,
    threads: Number(values.threads),
    instances: level,
  });
  try {
    const loadStartedAt = performance.now();
    await pool.start();
    const loadMs = performance.now() - loadStartedAt;
    // One utterance per instance first: CUDA kernels load and buffers grow on first use.
    await Promise.all(Array.from({ length: level }, (_, i) => transcribe(pool, i)));

    const latencies: number[] = [];
    let audioMs = 0;
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: level }, async (_, lane) => {
        for (let round = 0; round < rounds; round++) {
          const sample = await transcribe(pool, lane * rounds + round);
          latencies.push(sample.latencyMs);
          audioMs += sample.audioMs;
        }
      }),
    );
    const wallMs = performance.now() - startedAt;
    results.push({
      concurrency: level,
      utterances: latencies.length,
      loadMs: Math.round(loadMs),
      p50Ms: Math.round(percentile(latencies, 0.5)),
      p95Ms: Math.round(percentile(latencies, 0.95)),
      utterancesPerSecond: latencies.length / (wallMs / 1000),
      audioSecondsPerSecond: audioMs / wallMs,
    });
  } catch (error) {
    // A small GPU runs out of memory at 16 large instances; the levels before still count.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`concurrency ${level}: ${message}`);
    results.push({ concurrency: level, error: message });
  } finally {
    await pool.close();
  }
}

console.log(`\n${model.label}\n`);
console.log('concurrency  utterances  load ms  p50 ms  p95 ms  utt/s  audio s/s');
for (const r of results) {
  if ('error' in r) {
    console.log(`${String(r.concurrency).padStart(11)}  failed: ${r.error.slice(0, 80)}`);
    continue;
  }
  console.log(
    `${String(r.concurrency).padStart(11)}  ${String(r.utterances).padStart(10)}` +
      `  ${String(r.loadMs).padStart(7)}  ${String(r.p50Ms).padStart(6)}` +
      `  ${String(r.p95Ms).padStart(6)}  ${r.utterancesPerSecond.toFixed(2).padStart(5)}` +
      `  ${r.audioSecondsPerSecond.toFixed(1).padStart(9)}`,
  );
}
await mkdir(path.dirname(values.out), { recursive: true });
const host = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model };
const report = { createdAt: new Date().toISOString(), device, model, host, rounds, results };
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nJSON: ${values.out}`);

async function transcribe(pool: WhisperPool, index: number) {
  const { item, audio } = utterances[index % utterances.length]!;
  const startedAt = performance.now();
  const { usage } = await pool.transcribe(audio.pcm, audio.format, { language: item.language });
  return { latencyMs: performance.now() - startedAt, audioMs: usage.audioMs };
}

/** large-v3 from the option, the cache or a download; else the weightless large test model. */
async function chooseModel(configured: string | undefined) {
  if (configured) return { file: path.resolve(configured), label: path.basename(configured) };
  const cached = path.join(dzvinCacheDir(), 'models', 'ggml-large-v3.bin');
  if ((await ggmlProblem(cached)) === undefined) return { file: cached, label: 'large-v3' };
  const downloaded = await downloadWhisperModel('large-v3');
  if (downloaded) return { file: downloaded, label: 'large-v3' };
  return {
    file: path.join(shared, 'models', 'for-tests-ggml-large.bin'),
    label: 'WEIGHTLESS large (large-v2 shapes): compute cost only, no recognition',
  };
}
