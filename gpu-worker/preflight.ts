import { spawn } from 'node:child_process';
import path from 'node:path';

import type { WhisperDevice } from '../engines/stt/whisper-build.js';
import { WhisperModelError } from '../engines/stt/whisper-errors.js';
import {
  downloadWhisperModel,
  ggmlProblem,
  KNOWN_MODEL_SHA1,
  resolveWhisperModel,
} from '../engines/stt/whisper-model.js';
import type { DownloadableWhisperModel } from '../engines/stt/whisper-model.js';
import { dzvinCacheDir, findOnPath } from '../engines/stt/whisper-support.js';
import type { EngineLogger } from '../engines/stt/whisper-support.js';

/** `nvidia-smi -L` answers in well under a second; a hung driver must not stall start-up. */
const NVIDIA_SMI_TIMEOUT_MS = 15_000;

/**
 * Thrown when the GPU worker cannot serve with what this machine has (no GPU, no model). The
 * process exits with code 2 and the message, which says what to fix: restarting cannot help.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly exitCode = 2;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
  }
}

/**
 * Checks that `nvidia-smi` exists and lists at least one GPU, and returns the GPUs' lines.
 *
 * Thrown otherwise: {@link StartupError}.
 */
export async function checkCudaDevice(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const nvidiaSmi = findOnPath('nvidia-smi', env);
  if (!nvidiaSmi) {
    throw new StartupError(
      'WHISPER_DEVICE=cuda but nvidia-smi is not on PATH: this machine has no NVIDIA driver ' +
        '(or no GPU). Run the gpu-worker on a GPU machine, or set WHISPER_DEVICE=cpu.',
    );
  }
  const { code, output } = await run(nvidiaSmi, ['-L']);
  const gpus = output.split('\n').filter((line) => /^GPU \d+:/.test(line));
  if (code !== 0 || gpus.length === 0) {
    throw new StartupError(
      `WHISPER_DEVICE=cuda but nvidia-smi finds no usable GPU (exit code ${code}): ` +
        `${output.trim().slice(0, 300) || 'no output'}. Check the driver, or set WHISPER_DEVICE=cpu.`,
    );
  }
  return gpus;
}

export interface GpuWorkerModelOptions {
  /** An explicit model file (WHISPER_MODEL_PATH); wins over the size. */
  modelPath?: string;
  /** Loads `ggml-<size>.bin` from the cache's `models/` folder (WHISPER_MODEL_SIZE). */
  size: string;
  /** Download a standard model that is missing. @default true */
  download?: boolean;
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  logger?: EngineLogger;
}

/**
 * Finds the one model the GPU worker was asked for. Unlike the embedded engine it never settles
 * for another size or for the weightless test model: a GPU worker that silently served a worse
 * model would skew every comparison made with it.
 *
 * Thrown when the model is missing or is not a ggml file: {@link StartupError}.
 */
export async function resolveGpuWorkerModel(options: GpuWorkerModelOptions): Promise<string> {
  if (options.modelPath) {
    try {
      const model = await resolveWhisperModel({ configuredPath: options.modelPath });
      return model.path;
    } catch (error) {
      if (error instanceof WhisperModelError)
        throw new StartupError(error.message, { cause: error });
      throw error;
    }
  }

  const modelsDir = path.join(options.cacheDir ?? dzvinCacheDir(options.env), 'models');
  const file = path.join(modelsDir, `ggml-${options.size}.bin`);
  const problem = await ggmlProblem(file);
  if (problem === undefined) return file;
  if (problem !== 'missing') throw new StartupError(`Whisper model ${file}: ${problem}`);

  const downloadable = Object.hasOwn(KNOWN_MODEL_SHA1, options.size);
  if (downloadable && options.download !== false) {
    const downloaded = await downloadWhisperModel(options.size as DownloadableWhisperModel, {
      cacheDir: options.cacheDir,
      env: options.env,
      logger: options.logger,
    });
    if (downloaded) return downloaded;
  }
  throw new StartupError(
    `Whisper model ggml-${options.size}.bin is not in ${modelsDir}` +
      (downloadable ? ' and could not be downloaded' : ' (no known download for that size)') +
      '. Put the file there, set WHISPER_MODEL_SIZE to an installed size, or set ' +
      'WHISPER_MODEL_PATH to a ggml model file.',
  );
}

/** Checks the device before anything slow starts. */
export async function preflight(device: WhisperDevice, env?: NodeJS.ProcessEnv): Promise<string[]> {
  return device === 'cuda' ? await checkCudaDevice(env) : [];
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: NVIDIA_SMI_TIMEOUT_MS,
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString('utf8')));
    child.stderr.on('data', (data: Buffer) => (output += data.toString('utf8')));
    child.on('error', (error) => resolve({ code: null, output: error.message }));
    child.on('close', (code) => resolve({ code, output }));
  });
}
