import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import { REPO_ROOT } from '../../infra/config.js';
import { WhisperModelError } from './whisper-errors.js';
import { dzvinCacheDir, silentLogger } from './whisper-support.js';
import type { EngineLogger } from './whisper-support.js';

/** Where the model in use came from. Callers warn loudly on 'weightless-test-model'. */
export type WhisperModelOrigin =
  'configured' | 'installed' | 'downloaded' | 'weightless-test-model';

export interface ResolvedWhisperModel {
  path: string;
  origin: WhisperModelOrigin;
}

/**
 * SHA-1 of the standard multilingual ggml models, copied from the "Available models" table of
 * whisper.cpp v1.9.1 `models/README.md` (the file `ggml-<size>.bin` on
 * huggingface.co/ggerganov/whisper.cpp). Only models listed here are downloaded, so every
 * download is verified.
 */
export const KNOWN_MODEL_SHA1 = {
  tiny: 'bd577a113a864445d4c299885e0cb97d4ba92b5f',
  base: '465707469ff3a37a2b9b8d8f89f2f99de7299dac',
  small: '55356645c2b361a969dfd0ef2c5a50d530afd8d5',
  medium: 'fd9727b6e1217c2f614f9b698455c4ffd82463b4',
  'large-v2': '0f4c8e34f21cf1a914c59d8b3ce882345ad349d6',
  'large-v3': 'ad82bf6a9043ceed055076d0fd39f5f186ff8062',
  'large-v3-q5_0': 'e6e2ed78495d403bef4b7cff42ef4aaadcfea8de',
  'large-v3-turbo': '4af2b29d7ec73d781377bfd1758ca957a807e941',
  'large-v3-turbo-q5_0': 'e050f7970618a659205450ad97eb95a18d69c9ee',
} as const;

export type DownloadableWhisperModel = keyof typeof KNOWN_MODEL_SHA1;

/** Best first. A quantized or `-tdrz` variant ranks with its size, after the full-precision file. */
const QUALITY_ORDER = [
  'large-v3',
  'large-v3-turbo',
  'large-v2',
  'large-v1',
  'medium',
  'small',
  'base',
  'tiny',
];

/** `ggml_file_magic` of whisper.cpp: the bytes "lmgg" read as a little-endian uint32. */
const GGML_MAGIC = 0x67676d6c;

const DEFAULT_BASE_URL = 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main';
/** Enough for a TLS handshake to Hugging Face from a slow line; short enough not to stall start. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** A stalled transfer (no bytes for this long) is abandoned rather than hanging start-up. */
const STALL_TIMEOUT_MS = 30_000;
const TEST_MODEL_FILE = 'for-tests-ggml-tiny.bin';

export interface ResolveWhisperModelOptions {
  /** An explicit model file. @default env WHISPER_MODEL_PATH */
  configuredPath?: string;
  /** @default `$XDG_CACHE_HOME/dzvin` or `~/.cache/dzvin`; models live in its `models/` */
  cacheDir?: string;
  /** Model to download when none is installed; false skips the download. @default 'base' */
  download?: DownloadableWhisperModel | false;
  /** @default `https://huggingface.co/ggerganov/whisper.cpp/resolve/main` */
  downloadBaseUrl?: string;
  /** @default 5000 */
  connectTimeoutMs?: number;
  /** Folder of the weightless test model. @default env DZVIN_TEST_MODEL_DIR or ../shared/models */
  testModelDir?: string;
  /** Where the download progress bar goes; null hides it. @default process.stderr */
  progress?: NodeJS.WriteStream | null;
  env?: NodeJS.ProcessEnv;
  logger?: EngineLogger;
}

/**
 * Finds the Whisper model to load, in this order: the configured path, a model installed in the
 * cache's `models/` folder (best quality first), a download of the standard ggml model (with a
 * progress bar and a SHA-1 check), and last the weightless test model, which loads and runs but
 * yields empty transcripts.
 *
 * Thrown when the configured path is missing or not a ggml file, or when nothing is found:
 * {@link WhisperModelError}.
 */
export async function resolveWhisperModel(
  options: ResolveWhisperModelOptions = {},
): Promise<ResolvedWhisperModel> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger;

  const configured = options.configuredPath ?? (env.WHISPER_MODEL_PATH?.trim() || undefined);
  if (configured) return { path: await checkConfiguredModel(configured), origin: 'configured' };

  const modelsDir = path.join(options.cacheDir ?? dzvinCacheDir(env), 'models');
  const installed = await findInstalledModel(modelsDir, logger);
  if (installed) return { path: installed, origin: 'installed' };

  if (options.download !== false) {
    const downloaded = await downloadModel(options.download ?? 'base', modelsDir, options, logger);
    if (downloaded) return { path: downloaded, origin: 'downloaded' };
  }

  const testModelDir =
    options.testModelDir ??
    (env.DZVIN_TEST_MODEL_DIR?.trim() || path.resolve(REPO_ROOT, '..', 'shared', 'models'));
  const testModel = path.join(testModelDir, TEST_MODEL_FILE);
  if ((await ggmlProblem(testModel)) === undefined) {
    return { path: testModel, origin: 'weightless-test-model' };
  }
  throw new WhisperModelError(
    'no-model',
    `no Whisper model found: WHISPER_MODEL_PATH is unset, ${modelsDir} holds no ggml-*.bin, ` +
      `the download failed and ${testModel} is missing. Set WHISPER_MODEL_PATH to a ggml model.`,
  );
}

/** Describes why a file is not a loadable ggml model, or returns undefined when it looks fine. */
export async function ggmlProblem(file: string): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : String(error);
  }
  try {
    const header = Buffer.alloc(4);
    const { bytesRead } = await handle.read(header, 0, 4, 0);
    if (bytesRead < 4 || header.readUInt32LE(0) !== GGML_MAGIC) {
      return 'not a ggml model (wrong magic number; whisper.cpp needs a ggml-*.bin file)';
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

async function checkConfiguredModel(file: string): Promise<string> {
  const resolved = path.resolve(file);
  const problem = await ggmlProblem(resolved);
  if (problem === 'missing') {
    throw new WhisperModelError(
      'configured-model-missing',
      `WHISPER_MODEL_PATH points to ${resolved}, which does not exist`,
    );
  }
  if (problem) {
    throw new WhisperModelError(
      'configured-model-invalid',
      `WHISPER_MODEL_PATH points to ${resolved}: ${problem}`,
    );
  }
  return resolved;
}

async function findInstalledModel(
  modelsDir: string,
  logger: EngineLogger,
): Promise<string | undefined> {
  const names = await fs.readdir(modelsDir).catch(() => [] as string[]);
  const candidates = names
    .filter((name) => /^ggml-.+\.bin$/.test(name))
    .filter((name) => {
      // English-only models cannot transcribe Ukrainian or Russian.
      if (!/\.en(?:[-.]|$)/.test(name.slice(5, -4))) return true;
      logger.warn({ model: name }, 'ignoring an English-only Whisper model');
      return false;
    })
    .sort((a, b) => qualityRank(a) - qualityRank(b) || a.localeCompare(b));
  for (const name of candidates) {
    const file = path.join(modelsDir, name);
    const problem = await ggmlProblem(file);
    if (problem === undefined) return file;
    logger.warn({ model: file, problem }, 'skipping an unusable installed Whisper model');
  }
  return undefined;
}

function qualityRank(fileName: string): number {
  const size = fileName.slice('ggml-'.length, -'.bin'.length);
  const stem = size.replace(/-(?:q\d+_\d+|tdrz)$/, '');
  const index = QUALITY_ORDER.indexOf(stem);
  const variantPenalty = stem === size ? 0 : 0.5;
  return (index === -1 ? QUALITY_ORDER.length : index) + variantPenalty;
}

/**
 * Downloads the standard `ggml-<size>.bin` into the cache's `models/` folder, with a progress bar
 * and a SHA-1 check. Returns its path, or undefined (with a logged reason) when the download
 * failed, e.g. with no network.
 */
export function downloadWhisperModel(
  size: DownloadableWhisperModel,
  options: Omit<ResolveWhisperModelOptions, 'configuredPath' | 'download' | 'testModelDir'> = {},
): Promise<string | undefined> {
  const modelsDir = path.join(options.cacheDir ?? dzvinCacheDir(options.env), 'models');
  return downloadModel(size, modelsDir, options, options.logger ?? silentLogger);
}

/** Downloads `ggml-<size>.bin`; returns undefined (and logs why) when that is not possible. */
async function downloadModel(
  size: DownloadableWhisperModel,
  modelsDir: string,
  options: ResolveWhisperModelOptions,
  logger: EngineLogger,
): Promise<string | undefined> {
  const url = `${options.downloadBaseUrl ?? DEFAULT_BASE_URL}/ggml-${size}.bin`;
  const target = path.join(modelsDir, `ggml-${size}.bin`);
  const partial = `${target}.part-${process.pid}`;
  const progress = options.progress === undefined ? process.stderr : options.progress;
  try {
    await fs.mkdir(modelsDir, { recursive: true });
    const sha1 = await fetchToFile(url, partial, options, progress);
    if (sha1 !== KNOWN_MODEL_SHA1[size]) {
      throw new Error(`checksum mismatch: SHA-1 ${sha1}, expected ${KNOWN_MODEL_SHA1[size]}`);
    }
    await fs.rename(partial, target);
    logger.info({ model: target, url }, 'downloaded Whisper model');
    return target;
  } catch (error) {
    logger.warn(
      { url, error: error instanceof Error ? error.message : String(error) },
      'could not download the Whisper model',
    );
    return undefined;
  } finally {
    await fs.rm(partial, { force: true });
  }
}

/** Streams the URL into a file and returns its SHA-1 in hex. */
async function fetchToFile(
  url: string,
  file: string,
  options: ResolveWhisperModelOptions,
  progress: NodeJS.WriteStream | null,
): Promise<string> {
  const controller = new AbortController();
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let timer = setTimeout(
    () => controller.abort(new Error(`no answer within ${connectTimeoutMs} ms`)),
    connectTimeoutMs,
  );
  const handle = await fs.open(file, 'w');
  try {
    const response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    const totalBytes = Number(response.headers.get('content-length')) || undefined;
    const bar = progressBar(path.basename(file).replace(/\.part-\d+$/, ''), totalBytes, progress);
    const hash = createHash('sha1');
    let receivedBytes = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      clearTimeout(timer);
      timer = setTimeout(
        () => controller.abort(new Error(`transfer stalled for ${STALL_TIMEOUT_MS} ms`)),
        STALL_TIMEOUT_MS,
      );
      hash.update(chunk);
      await handle.write(chunk);
      receivedBytes += chunk.byteLength;
      bar.update(receivedBytes);
    }
    bar.done(receivedBytes);
    return hash.digest('hex');
  } finally {
    clearTimeout(timer);
    await handle.close();
  }
}

function progressBar(
  label: string,
  totalBytes: number | undefined,
  out: NodeJS.WriteStream | null,
) {
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  let lastShown = -1;
  const render = (received: number) => {
    if (!out) return;
    if (!totalBytes) {
      // Without a length there is no bar: report every 10 MiB.
      const tens = Math.floor(received / (10 * 1024 * 1024));
      if (tens === lastShown) return;
      lastShown = tens;
      out.write(`downloading ${label}: ${mib(received)} MiB${out.isTTY ? '\r' : '\n'}`);
      return;
    }
    const percent = Math.min(100, Math.floor((received / totalBytes) * 100));
    // A terminal redraws one line; a log file gets a line per 10 % instead of thousands.
    const step = out.isTTY ? 1 : 10;
    if (Math.floor(percent / step) === Math.floor(lastShown / step)) return;
    lastShown = percent;
    const filled = Math.round(percent / 4);
    const line =
      `downloading ${label} [${'#'.repeat(filled)}${'.'.repeat(25 - filled)}] ` +
      `${percent}% ${mib(received)}/${mib(totalBytes)} MiB`;
    out.write(out.isTTY ? `\r${line}` : `${line}\n`);
  };
  return {
    update: render,
    done: (received: number) => {
      render(received);
      if (out?.isTTY) out.write('\n');
    },
  };
}
