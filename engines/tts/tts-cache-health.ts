import type { TtsCacheBypassReason } from './tts-cache-metrics.js';

/** Where the TTS cache logs: pino's logger fits, values go in the object. */
export interface TtsCacheLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Thrown (and caught inside the cache) when Redis does not answer within its budget. */
export class TtsCacheTimeoutError extends Error {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`Redis gave no answer to ${operation} within ${timeoutMs} ms`);
    this.name = 'TtsCacheTimeoutError';
  }
}

/**
 * Tracks Redis trouble as incidents. A lost connection opens one at once; timeouts and errors
 * open one after `failuresToRest` in a row, since a lone slow answer on a busy host is no
 * outage. Opening logs one line, later failures only count, and the next success closes it with
 * one more line. While an incident from timeouts or errors is open, Redis is left alone for
 * `retryAfterMs` at a time, so that a slow Redis costs a few lookup timeouts per interval
 * rather than one per turn.
 */
export class RedisIncidents {
  private openedAt: number | undefined;
  private skipUntil = 0;
  private bypassed = 0;
  private lastReason: TtsCacheBypassReason = 'unavailable';
  private consecutiveFailures = 0;

  constructor(
    private readonly logger: TtsCacheLogger,
    private readonly retryAfterMs: number,
    private readonly failuresToRest: number,
  ) {}

  /** True while an incident is open and its retry interval has not passed. */
  get resting(): boolean {
    return Date.now() < this.skipUntil;
  }

  /** Why the open incident's latest failure happened. */
  get reason(): TtsCacheBypassReason {
    return this.lastReason;
  }

  /** Records a failure; logs only the one that opens an incident. */
  failed(reason: TtsCacheBypassReason, error: unknown): void {
    this.lastReason = reason;
    if (reason !== 'unavailable') {
      this.consecutiveFailures += 1;
      if (this.consecutiveFailures < this.failuresToRest) return;
      this.skipUntil = Date.now() + this.retryAfterMs;
    }
    if (this.openedAt !== undefined) return;
    this.openedAt = Date.now();
    this.logger.warn(
      {
        reason,
        err: error instanceof Error ? error.message : String(error),
        retryAfterMs: this.retryAfterMs,
      },
      'Redis trouble: the TTS cache is bypassed and replies are synthesized directly',
    );
  }

  /** Counts one request that went to the provider without the cache since Redis last answered. */
  bypass(): void {
    this.bypassed += 1;
  }

  /** Records a Redis answer; closes an open incident. */
  succeeded(): void {
    this.skipUntil = 0;
    this.consecutiveFailures = 0;
    const bypassed = this.bypassed;
    this.bypassed = 0;
    if (this.openedAt === undefined) return;
    this.logger.info(
      {
        incidentMs: Date.now() - this.openedAt,
        bypassedRequests: bypassed,
      },
      'Redis answers again: the TTS cache is back in use',
    );
    this.openedAt = undefined;
  }
}

/** Resolves or rejects as `promise` does, or rejects with a timeout error after `timeoutMs`. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, operation: string) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TtsCacheTimeoutError(operation, timeoutMs)), timeoutMs);
  });
  // The late answer or error of a timed-out command has nobody left to hear it.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
