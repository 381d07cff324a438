import { Runtime } from '@temporalio/worker';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/worker';

import type { Logger } from './logger.js';

const PINO_METHOD: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** What the SDK warns of a worker given activities alone. */
const NO_WORKFLOWS = 'No workflows registered, not polling for workflow tasks';

/**
 * Routes the Temporal SDK's own logs, and the logs of workflow code, into the process's JSON
 * logger. Must run before the first worker or connection is created.
 */
export function installTemporalLogging(logger: Logger): void {
  const target = logger.child({ component: 'temporal' });
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    // dzvin's activity-only workers (the Whisper queue's) have no workflows by design.
    const expected = message === NO_WORKFLOWS;
    target[expected ? 'debug' : PINO_METHOD[level]]({ ...meta }, message);
  };
  const adapter: TemporalLogger = {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
  Runtime.install({
    logger: adapter,
    // Core (Rust) logs otherwise go straight to the console, colour codes included.
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
}
