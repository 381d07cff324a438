import { audioFormatProblem } from '../domain/audio.js';

/** The longest utterance a turn accepts; the bridge cuts longer speech into several turns. */
export const MAX_UTTERANCE_MS = 60_000;

/**
 * Describes what is wrong with a turn's input, or returns undefined when it is well formed.
 * Pure, so the Update validator can run it before anything enters history.
 */
export function turnInputProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return 'expected an object with `audio`';
  const audio = (input as { audio?: unknown }).audio;
  if (typeof audio !== 'object' || audio === null) return '`audio` reference is missing';

  const ref = audio as Record<string, unknown>;
  if (typeof ref.key !== 'string' || ref.key.length === 0 || ref.key.length > 300) {
    return '`audio.key` must be a non-empty string of at most 300 characters';
  }
  if (typeof ref.format !== 'object' || ref.format === null) return '`audio.format` is missing';
  const formatProblem = audioFormatProblem(ref.format as never);
  if (formatProblem) return `audio.format: ${formatProblem}`;
  if (typeof ref.bytes !== 'number' || !Number.isInteger(ref.bytes) || ref.bytes <= 0) {
    return '`audio.bytes` must be a positive integer (empty audio cannot be a turn)';
  }
  if (typeof ref.durationMs !== 'number' || !(ref.durationMs > 0)) {
    return '`audio.durationMs` must be positive';
  }
  if (ref.durationMs > MAX_UTTERANCE_MS) {
    return `utterance of ${ref.durationMs} ms is longer than the ${MAX_UTTERANCE_MS} ms limit`;
  }
  return undefined;
}
