import { ApplicationFailure } from '@temporalio/common';

import { BlobNotFoundError } from '../infra/blob-store.js';
import { llmFailure } from './llm-errors.js';

/** Stable failure type names that workflows and clients may match on. */
export const FailureType = {
  AudioNotFound: 'AudioNotFound',
  InvalidAudio: 'InvalidAudio',
  InvalidInput: 'InvalidInput',
} as const;

/**
 * Thrown by engines for input that no retry can fix (empty audio, unsupported format).
 * Activities turn it into a non-retryable failure.
 */
export class InvalidInputError extends Error {
  constructor(
    message: string,
    readonly failureType: string = FailureType.InvalidInput,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InvalidInputError';
  }
}

/**
 * Translates errors at the activity edge: permanent faults become non-retryable failures with
 * a stable type; anything else is rethrown and retried under the proxy's policy.
 */
export function toActivityFailure(error: unknown): unknown {
  const llm = llmFailure(error);
  if (llm) return llm;
  if (error instanceof BlobNotFoundError) {
    return ApplicationFailure.create({
      message: error.message,
      type: FailureType.AudioNotFound,
      nonRetryable: true,
      cause: error,
    });
  }
  if (error instanceof InvalidInputError) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.failureType,
      nonRetryable: true,
      cause: error,
    });
  }
  if (isPermanent(error)) {
    return ApplicationFailure.create({
      message: error.message,
      type: PERMANENT_TYPES[error.name] ?? error.name,
      nonRetryable: true,
      cause: error,
    });
  }
  if (isTransient(error)) {
    // Temporal would name the failure after the error's class; an engine error's own name is
    // its stable type (`SttUnavailable`), which the bridge reads once the retries run out.
    return ApplicationFailure.create({ message: error.message, type: error.name, cause: error });
  }
  return error;
}

/** Engine errors that a retry cannot fix, by class name, and the failure type they become. */
const PERMANENT_TYPES: Record<string, string> = {
  WhisperInputError: FailureType.InvalidAudio,
  AudioDecodeError: FailureType.InvalidAudio,
};

/** Engine errors that declare `retryable: true` for faults a retry may mend. */
function isTransient(error: unknown): error is Error & { retryable: true } {
  return error instanceof Error && (error as { retryable?: unknown }).retryable === true;
}

/** Engine errors declare `retryable: false` for faults no retry can fix. */
function isPermanent(error: unknown): error is Error & { retryable: false } {
  return error instanceof Error && (error as { retryable?: unknown }).retryable === false;
}
