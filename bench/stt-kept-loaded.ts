/**
 * Per-utterance latency and real-time factor of whisper.cpp kept loaded (WhisperServerStt, one
 * whisper-server with the model in memory) against spawning whisper-cli for every utterance, the
 * way nodejs-whisper runs it (dist/WhisperHelper.js `constructCommand`, run by shelljs through
 * /bin/sh): `whisper-cli -l <lang> -m <model> -f <file.wav>`, which loads the model each time.
 *
 *   npx tsx bench/stt-kept-loaded.ts [--files 6] [--large-files 1] [--threads 2] [--out file]
 *
 * Both paths run the same build, model and thread count, one utterance at a time, over
 * ../shared/audio (16 kHz WAV written beforehand for both, so nodejs-whisper's ffmpeg step is
 * left out in its favour). The weightless large model measures compute cost only.
 */
import { exec } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { ensureWhisperServer } from '../engines/stt/whisper-build.js';
import { toWhisperWav } from '../engines/stt/whisper-audio.js';
import { resolveWhisperModel } from '../engines/stt/whisper-model.js';
import { WhisperServerStt } from '../engines/stt/whisper-server.js';
import { loadReferenceSet } from '../evaluation/reference-set.js';
import type { ReferenceItem } from '../evaluation/reference-set.js';
import { percentile } from '../evaluation/statistics.js';
import { decodeAudioFile } from '../infra/audio-file.js';
import { REPO_ROOT } from '../infra/config.js';

interface Sample {
  file: string;
  audioMs: number;
  latencyMs: number;
}

interface PathResult {
  model: string;
  label: string;
  path: 'kept-loaded' | 'spawn-per-utterance';
  loadMs?: number;
  samples: Sample[];
}

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '6' },
    'large-files': { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    out: { type: 'string', default: path.join(REPO_ROOT, 'out', 'bench', 'stt-kept-loaded.json') },
  },
});
const threads = Number(values.threads);
const shared = path.resolve(REPO_ROOT, '..', 'shared');

const binaryPath = await ensureWhisperServer({ device: 'cpu' });
const cliPath = path.join(path.dirname(binaryPath), 'whisper-cli');
const base = await resolveWhisperModel({ download: false, progress: null });
const models = [
  ...(base.origin === 'weightless-test-model'
    ? []
    : [{ file: base.path, label: path.basename(base.path), files: Number(values.files) }]),
  {
    file: path.join(shared, 'models', 'for-tests-ggml-large.bin'),
    label: 'large (weightless: compute cost only)',
    files: Number(values['large-files']),
  },
].filter((model) => model.files > 0);

const items = interleaveLanguages(await loadReferenceSet(path.join(shared, 'audio')));
const workDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-bench-'));
const results: PathResult[] = [];
try {
  for (const model of models) {
    const chosen = items.slice(0, model.files);
    const wavs = await Promise.all(chosen.map((item) => prepare(item, workDir)));
    const kept: PathResult = {
      model: model.file,
      label: model.label,
      path: 'kept-loaded',
      samples: [],
    };
    const spawned: PathResult = { ...kept, path: 'spawn-per-utterance', samples: [] };
    const engine = new WhisperServerStt({ modelPath: model.file, binaryPath, threads });
    const loadStartedAt = performance.now();
    await engine.start();
    kept.loadMs = Math.round(performance.now() - loadStartedAt);
    try {
      // Interleaved, so a burst of load from other processes hits both paths alike.
      for (const wav of wavs) {
        kept.samples.push(await timeKept(engine, wav));
        spawned.samples.push(await timeSpawn(wav, model.file));
        console.error(`${model.label} ${wav.item.file}: done`);
      }
    } finally {
      await engine.close();
    }
    results.push(kept, spawned);
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

printTable(results);
await mkdir(path.dirname(values.out), { recursive: true });
const report = { createdAt: new Date().toISOString(), host: hostInfo(), threads, results };
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nJSON: ${values.out}`);

async function prepare(item: ReferenceItem, dir: string) {
  const decoded = await decodeAudioFile(await readFile(item.absolutePath), item.file);
  const { wav, audioMs } = toWhisperWav(decoded.pcm, decoded.format);
  const file = path.join(dir, item.file.replace(/[/\\]/g, '_'));
  await writeFile(file, wav);
  return { item, decoded, file, audioMs };
}

async function timeKept(
  engine: WhisperServerStt,
  wav: Awaited<ReturnType<typeof prepare>>,
): Promise<Sample> {
  const startedAt = performance.now();
  await engine.transcribe(wav.decoded.pcm, wav.decoded.format, { language: wav.item.language });
  return { file: wav.item.file, audioMs: wav.audioMs, latencyMs: performance.now() - startedAt };
}

function timeSpawn(wav: Awaited<ReturnType<typeof prepare>>, model: string): Promise<Sample> {
  const quote = (arg: string) => `"${arg}"`;
  const command = `${quote(cliPath)} -t ${threads} -l ${wav.item.language} -m ${quote(model)} -f ${quote(wav.file)}`;
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    exec(command, { maxBuffer: 16 * 1024 * 1024 }, (error) => {
      if (error) return reject(error);
      resolve({
        file: wav.item.file,
        audioMs: wav.audioMs,
        latencyMs: performance.now() - startedAt,
      });
    });
  });
}

/** uk and ru alternate, so a short run still covers both languages. */
function interleaveLanguages(all: ReferenceItem[]): ReferenceItem[] {
  const uk = all.filter((item) => item.language === 'uk');
  const ru = all.filter((item) => item.language === 'ru');
  return Array.from({ length: Math.max(uk.length, ru.length) }, (_, i) => [uk[i], ru[i]])
    .flat()
    .filter((item): item is ReferenceItem => item !== undefined);
}

function printTable(all: PathResult[]): void {
  console.log(
    `\n${'model'.padEnd(38)} ${'path'.padEnd(20)} ${'n'.padStart(3)} ${'load ms'.padStart(8)}` +
      ` ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'mean RTF'.padStart(9)}`,
  );
  for (const result of all) {
    const latencies = result.samples.map((sample) => sample.latencyMs);
    const rtf =
      result.samples.reduce((sum, s) => sum + s.latencyMs / s.audioMs, 0) / result.samples.length;
    console.log(
      `${result.label.padEnd(38)} ${result.path.padEnd(20)} ${String(latencies.length).padStart(3)}` +
        ` ${(result.loadMs === undefined ? '-' : String(result.loadMs)).padStart(8)}` +
        ` ${percentile(latencies, 0.5).toFixed(0).padStart(8)}` +
        ` ${percentile(latencies, 0.95).toFixed(0).padStart(8)} ${rtf.toFixed(2).padStart(9)}`,
    );
  }
}

function hostInfo() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverage1m: os.loadavg()[0],
  };
}
