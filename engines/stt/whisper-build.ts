import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { isAlive } from '../../infra/pid-file.js';
import { WhisperBuildError } from './whisper-errors.js';
import { dzvinCacheDir, findOnPath, silentLogger } from './whisper-support.js';
import type { EngineLogger } from './whisper-support.js';

/** Where whisper.cpp runs its matrix work. */
export type WhisperDevice = 'cpu' | 'cuda';

/** The binaries a build produces; the engine needs only the server, benchmarks use the CLI. */
const TARGETS = ['whisper-server', 'whisper-cli'] as const;

/**
 * Flags proven on the 2-core CI machine. GGML_NATIVE=OFF keeps the binary portable across
 * machines sharing a cache image while ggml still turns on SSE4.2/AVX/AVX2/FMA/F16C (its
 * default when native detection is off), so any x86-64-v3 CPU runs it at full speed. Tests and
 * SDL2 are off: the server needs neither, and they double the compile time.
 */
const BASE_CMAKE_ARGS = [
  '-DCMAKE_BUILD_TYPE=Release',
  '-DWHISPER_BUILD_TESTS=OFF',
  '-DWHISPER_BUILD_EXAMPLES=ON',
  '-DWHISPER_SDL2=OFF',
  '-DBUILD_SHARED_LIBS=OFF',
  '-DGGML_NATIVE=OFF',
];

/** A build of both targets took 9–11 minutes on 2 cores; a waiter gives the builder ample room. */
const DEFAULT_WAIT_FOR_OTHER_BUILD_MS = 45 * 60_000;
const LOCK_POLL_MS = 2_000;

export interface EnsureWhisperServerOptions {
  device: WhisperDevice;
  /** @default `$XDG_CACHE_HOME/dzvin` or `~/.cache/dzvin` */
  cacheDir?: string;
  /** Parallel compile jobs. @default os.availableParallelism() */
  jobs?: number;
  /** Extra cmake configure flags, e.g. `-DCMAKE_CUDA_ARCHITECTURES=90` for one GPU family. */
  extraCmakeArgs?: readonly string[];
  /** How long to wait while another process builds the same binary. @default 45 minutes */
  waitForOtherBuildMs?: number;
  logger?: EngineLogger;
  /** Receives cmake's and the compiler's output as it comes (the build script shows it). */
  onOutput?: (chunk: string) => void;
}

/** The whisper.cpp source tree bundled by the `nodejs-whisper` package. */
export function whisperSourceDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('nodejs-whisper/package.json')), 'cpp/whisper.cpp');
}

/** The whisper.cpp version declared in the source tree's CMakeLists.txt (e.g. `1.9.1`). */
export async function whisperCppVersion(sourceDir = whisperSourceDir()): Promise<string> {
  let cmakeLists: string;
  try {
    cmakeLists = await fs.readFile(path.join(sourceDir, 'CMakeLists.txt'), 'utf8');
  } catch (cause) {
    throw new WhisperBuildError(
      'source-missing',
      `whisper.cpp sources not found at ${sourceDir}; run "npm install" (nodejs-whisper bundles them)`,
      { cause },
    );
  }
  const match = /project\(\s*"whisper\.cpp"\s+VERSION\s+([\d.]+)\s*\)/.exec(cmakeLists);
  if (!match?.[1]) {
    throw new WhisperBuildError('source-missing', `no version in ${sourceDir}/CMakeLists.txt`);
  }
  return match[1];
}

/** The cache folder holding one build: `<cache>/whisper.cpp/<version>-<device>/`. */
export function whisperBuildDir(version: string, device: WhisperDevice, cacheDir?: string): string {
  return path.join(cacheDir ?? dzvinCacheDir(), 'whisper.cpp', `${version}-${device}`);
}

/**
 * Returns the path of a `whisper-server` binary for the device, compiling whisper.cpp from the
 * bundled sources with cmake the first time. Builds land in the user cache keyed by version and
 * device; concurrent callers wait on a lock file and every build is staged in a private folder
 * and renamed into place, so nobody ever sees a half-written binary.
 *
 * Thrown when cmake or a compiler is missing, or the compile fails: {@link WhisperBuildError}.
 */
export async function ensureWhisperServer(options: EnsureWhisperServerOptions): Promise<string> {
  const logger = options.logger ?? silentLogger;
  const sourceDir = whisperSourceDir();
  const version = await whisperCppVersion(sourceDir);
  const finalDir = whisperBuildDir(version, options.device, options.cacheDir);
  const binary = path.join(finalDir, 'bin', 'whisper-server');
  if (await isExecutable(binary)) return binary;

  const tools = findBuildTools(options.device);
  await fs.mkdir(path.dirname(finalDir), { recursive: true });
  const lock = await acquireLock(`${finalDir}.lock`, binary, options, logger);
  if (lock === 'built-by-other') return binary;
  try {
    if (await isExecutable(binary)) return binary;
    await buildInto(finalDir, { sourceDir, version, tools, options, logger });
    return binary;
  } finally {
    await fs.rm(`${finalDir}.lock`, { force: true });
  }
}

interface BuildTools {
  cmake: string;
  cmakeArgs: string[];
}

function findBuildTools(device: WhisperDevice): BuildTools {
  const cmake = findOnPath('cmake');
  if (!cmake) {
    throw new WhisperBuildError(
      'cmake-missing',
      'cmake is not on PATH; install it (Debian/Ubuntu: apt-get install cmake build-essential, ' +
        'macOS: brew install cmake) to build the embedded whisper.cpp speech engine',
    );
  }
  const cxx = process.env.CXX?.trim() || ['c++', 'g++', 'clang++'].find((name) => findOnPath(name));
  const cc = process.env.CC?.trim() || ['cc', 'gcc', 'clang'].find((name) => findOnPath(name));
  if (!cxx || !cc) {
    throw new WhisperBuildError(
      'compiler-missing',
      'no C/C++ compiler found (looked for $CC/$CXX, cc/c++, gcc/g++, clang/clang++); install ' +
        'one (Debian/Ubuntu: apt-get install build-essential) to build whisper.cpp',
    );
  }
  const cmakeArgs = [...BASE_CMAKE_ARGS];
  if (device === 'cuda') {
    const nvcc =
      process.env.CUDACXX?.trim() ||
      findOnPath('nvcc') ||
      findOnPath('nvcc', { PATH: '/usr/local/cuda/bin' });
    if (!nvcc) {
      throw new WhisperBuildError(
        'compiler-missing',
        'a CUDA build needs nvcc (the CUDA toolkit); put it on PATH or set CUDACXX',
      );
    }
    cmakeArgs.push('-DGGML_CUDA=ON', `-DCMAKE_CUDA_COMPILER=${nvcc}`);
  }
  return { cmake, cmakeArgs };
}

async function buildInto(
  finalDir: string,
  ctx: {
    sourceDir: string;
    version: string;
    tools: BuildTools;
    options: EnsureWhisperServerOptions;
    logger: EngineLogger;
  },
): Promise<void> {
  const { sourceDir, version, tools, options, logger } = ctx;
  const unique = `${process.pid}-${Date.now()}`;
  const buildDir = `${finalDir}.build-${unique}`;
  const stageDir = `${finalDir}.stage-${unique}`;
  const logPath = `${finalDir}.build.log`;
  const jobs = options.jobs ?? os.availableParallelism();
  const configureArgs = [
    '-S',
    sourceDir,
    '-B',
    buildDir,
    ...tools.cmakeArgs,
    ...(options.extraCmakeArgs ?? []),
  ];
  const startedAt = Date.now();
  logger.info({ version, device: options.device, buildDir, logPath, jobs }, 'building whisper.cpp');

  const log = createWriteStream(logPath);
  try {
    await runLogged(tools.cmake, configureArgs, log, options.onOutput, logPath);
    const buildArgs = ['--build', buildDir, '--config', 'Release', '-j', String(jobs)];
    await runLogged(
      tools.cmake,
      [...buildArgs, '--target', ...TARGETS],
      log,
      options.onOutput,
      logPath,
    );

    await fs.mkdir(path.join(stageDir, 'bin'), { recursive: true });
    for (const target of TARGETS) {
      await fs.copyFile(path.join(buildDir, 'bin', target), path.join(stageDir, 'bin', target));
      await fs.chmod(path.join(stageDir, 'bin', target), 0o755);
    }
    const info = { version, device: options.device, cmakeArgs: configureArgs.slice(4), sourceDir };
    await fs.writeFile(
      path.join(stageDir, 'build-info.json'),
      `${JSON.stringify(info, null, 2)}\n`,
    );
    // A leftover folder without a binary (an interrupted copy by an older layout) blocks rename.
    await fs.rm(finalDir, { recursive: true, force: true });
    await fs.rename(stageDir, finalDir);
  } finally {
    await new Promise((resolve) => log.end(resolve));
    await fs.rm(buildDir, { recursive: true, force: true });
    await fs.rm(stageDir, { recursive: true, force: true });
  }
  logger.info(
    { version, device: options.device, dir: finalDir, buildMs: Date.now() - startedAt },
    'built whisper.cpp',
  );
}

function runLogged(
  command: string,
  args: string[],
  log: NodeJS.WritableStream,
  onOutput: ((chunk: string) => void) | undefined,
  logPath: string,
): Promise<void> {
  log.write(`$ ${command} ${args.join(' ')}\n`);
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (data: Buffer) => {
      const text = data.toString('utf8');
      log.write(text);
      onOutput?.(text);
      tail.push(...text.split('\n').filter((line) => line.trim() !== ''));
      tail.splice(0, Math.max(0, tail.length - 25));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (cause) =>
      reject(new WhisperBuildError('build-failed', `cannot run ${command}`, { cause, logPath })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(
        new WhisperBuildError(
          'build-failed',
          `whisper.cpp build failed: ${path.basename(command)} ${args[0]} ${how}. ` +
            `Full log: ${logPath}\n${tail.join('\n')}`,
          { logPath },
        ),
      );
    });
  });
}

/**
 * Takes the build lock, or waits while a live process holds it. Returns 'built-by-other' when
 * the binary appeared during the wait. A lock left by a dead process is taken over.
 */
async function acquireLock(
  lockPath: string,
  binary: string,
  options: EnsureWhisperServerOptions,
  logger: EngineLogger,
): Promise<'acquired' | 'built-by-other'> {
  const deadline = Date.now() + (options.waitForOtherBuildMs ?? DEFAULT_WAIT_FOR_OTHER_BUILD_MS);
  let announced = false;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return 'acquired';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }

    const holder = Number.parseInt(await fs.readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && !isAlive(holder)) {
      logger.warn(
        { lockPath, holder },
        'taking over a whisper.cpp build lock left by a dead process',
      );
      await fs.rm(lockPath, { force: true });
      continue;
    }
    if (await isExecutable(binary)) return 'built-by-other';
    if (Date.now() > deadline) {
      throw new WhisperBuildError(
        'build-failed',
        `gave up waiting for process ${holder} to build whisper.cpp (lock ${lockPath})`,
      );
    }
    if (!announced) {
      logger.info({ lockPath, holder }, 'waiting for another process to build whisper.cpp');
      announced = true;
    }
    await sleep(LOCK_POLL_MS);
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
