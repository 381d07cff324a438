import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs. Phone numbers, transcripts and prompts go only under `pii.*` keys, which are
 * replaced by `[redacted]` unless `LOG_PII=true` (for a developer's own machine). Every line
 * names its `process` (`calls-worker`, `bridge`, `gpu-worker`, …); child loggers add the
 * `component` within it.
 */
export function createLogger(options: {
  level: string;
  pii: boolean;
  process: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { process: options.process },
      redact: options.pii ? [] : { paths: ['pii', '*.pii'], censor: '[redacted]' },
    },
    options.destination,
  );
}
