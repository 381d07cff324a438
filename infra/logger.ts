import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs. Phone numbers, transcripts and prompts go only under `pii.*` keys, which are
 * replaced by `[redacted]` unless `LOG_PII=true` (for a developer's own machine).
 */
export function createLogger(options: {
  level: string;
  pii: boolean;
  component: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { component: options.component },
      redact: options.pii ? [] : { paths: ['pii', '*.pii'], censor: '[redacted]' },
    },
    options.destination,
  );
}
