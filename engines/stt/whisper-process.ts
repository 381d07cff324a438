import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { WhisperDevice } from './whisper-build.js';
import { WhisperServerError } from './whisper-errors.js';
import { findOnPath } from './whisper-support.js';
import type { EngineLogger } from './whisper-support.js';

/** Health is polled this often while the model loads; a tiny model is ready in ~200 ms. */
const HEALTH_POLL_MS = 50;
/** Another program may take the free port between our probe and the server's bind. */
const MAX_BIND_ATTEMPTS = 3;
const OUTPUT_TAIL_LINES = 40;

export interface WhisperProcessOptions {
  binaryPath: string;
  modelPath: string;
  threads: number;
  device: WhisperDevice;
  startupTimeoutMs: number;
  logger: EngineLogger;
}

/** How a server process ended. */
export interface WhisperExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every server started by this Node process, killed when it exits so none is left behind. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a SIGKILL is the one thing that surely lands in time.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** One running `whisper-server` with its model loaded, listening on 127.0.0.1. */
export class WhisperProcess {
  private exitInfo: WhisperExit | undefined;

  /** Settles when the process has ended, whoever ended it. */
  readonly exited: Promise<WhisperExit>;

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    private readonly output: string[],
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /**
   * Spawns the server on a free port and resolves once it answers `/health`, i.e. the model is
   * loaded.
   *
   * Thrown when it exits during start-up (a bad model is not retryable) or does not answer in
   * time: {@link WhisperServerError}.
   */
  static async start(options: WhisperProcessOptions): Promise<WhisperProcess> {
    for (let attempt = 1; ; attempt++) {
      const server = await WhisperProcess.spawn(options);
      try {
        await server.waitUntilHealthy(options.startupTimeoutMs);
        return server;
      } catch (error) {
        await server.stop();
        const portTaken = /couldn't bind/.test(server.outputTail());
        if (!portTaken || attempt >= MAX_BIND_ATTEMPTS) throw error;
        options.logger.warn(
          { attempt },
          'whisper-server lost its port to another program, retrying',
        );
      }
    }
  }

  private static async spawn(options: WhisperProcessOptions): Promise<WhisperProcess> {
    const port = await freePort();
    const args = [
      '--model',
      options.modelPath,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--threads',
      String(options.threads),
      ...(options.device === 'cpu' ? ['--no-gpu'] : []),
    ];
    installExitHook();
    const child = spawn(...withParentDeathSignal(options.binaryPath, args), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const output: string[] = [];
    const keep = (data: Buffer) => {
      output.push(
        ...data
          .toString('utf8')
          .split('\n')
          .filter((line) => line.trim() !== ''),
      );
      output.splice(0, Math.max(0, output.length - OUTPUT_TAIL_LINES));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // The engine must not keep its host process alive; the exit hook cleans up instead.
    child.unref();
    for (const stream of [child.stdout, child.stderr]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    const server = new WhisperProcess(child, `http://127.0.0.1:${port}`, output);
    await new Promise<void>((resolve, reject) => {
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        resolve();
      });
      child.on('error', (cause) => {
        if (spawned) {
          options.logger.error({ pid: child.pid, error: cause.message }, 'whisper-server error');
          return;
        }
        running.delete(child);
        reject(
          new WhisperServerError('start-failed', `cannot run ${options.binaryPath}`, false, {
            cause,
          }),
        );
      });
    });
    return server;
  }

  /** The operating-system process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** How the process ended, or undefined while it runs. */
  get exit(): WhisperExit | undefined {
    return this.exitInfo;
  }

  /** The server's last lines of output: model loading, warnings, the reason it stopped. */
  outputTail(): string {
    return this.output.join('\n');
  }

  /** Asks the server to stop, and kills it when it has not within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), sleep(graceMs, false)]);
    if (!stopped) this.child.kill('SIGKILL');
    await this.exited;
  }

  private async waitUntilHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) {
        const { code, signal } = this.exitInfo ?? { code: null, signal: null };
        throw new WhisperServerError(
          'start-failed',
          `whisper-server exited while starting (code ${code}, signal ${signal}):\n` +
            this.outputTail(),
          false,
          { outputTail: this.outputTail() },
        );
      }
      if (await this.healthy()) return;
      await sleep(HEALTH_POLL_MS);
    }
    throw new WhisperServerError(
      'start-timeout',
      `whisper-server did not load its model within ${timeoutMs} ms`,
      true,
      { outputTail: this.outputTail() },
    );
  }

  private async healthy(): Promise<boolean> {
    try {
      const response = await fetch(`${this.baseUrl}/health`, {
        signal: AbortSignal.timeout(1_000),
      });
      await response.body?.cancel();
      return response.ok;
    } catch {
      // Refused until the model is loaded: whisper-server binds its port only after that.
      return false;
    }
  }
}

/**
 * On Linux, starts the server through util-linux `setpriv --pdeathsig KILL`, which execs it (same
 * pid) with the kernel told to kill it when this process dies: the exit hook never runs when the
 * host is killed by a signal it does not handle (SIGKILL, or SIGTERM/SIGINT without a handler).
 */
function withParentDeathSignal(binary: string, args: string[]): [string, string[]] {
  const setpriv = process.platform === 'linux' ? findOnPath('setpriv') : undefined;
  // Limitation: without setpriv (macOS, minimal images) a host killed by a signal leaves the
  // server running; only a normal exit is covered there, by the exit hook.
  if (!setpriv) return [binary, args];
  return [setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args]];
}

/** A port free on 127.0.0.1 right now, chosen by the kernel. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
