/** Why an utterance cannot be transcribed as sent. */
export type WhisperInputErrorCode =
  'empty-audio' | 'audio-too-short' | 'unsupported-format' | 'malformed-audio';

/**
 * Thrown when the audio itself is unusable (empty, too short, wrong format). Sending it again
 * gives the same answer, so callers map it to a non-retryable failure.
 */
export class WhisperInputError extends Error {
  override readonly name = 'WhisperInputError';
  readonly retryable = false;

  constructor(
    readonly code: WhisperInputErrorCode,
    message: string,
    readonly details: { audioMs?: number; bytes?: number } = {},
  ) {
    super(message);
  }
}

/** What went wrong with the whisper-server process. */
export type WhisperServerErrorCode =
  | 'start-failed'
  | 'start-timeout'
  | 'request-failed'
  | 'request-timeout'
  | 'bad-response'
  | 'closed';

/**
 * Thrown when whisper-server cannot start or answer. `retryable` is false only for faults that
 * a retry cannot mend: a model file whisper.cpp refuses, or an engine already closed.
 */
export class WhisperServerError extends Error {
  override readonly name = 'WhisperServerError';
  /** HTTP status of the failed request, when there was one. */
  readonly status: number | undefined;
  /** The server's last lines of output, for a start that failed. */
  readonly outputTail: string | undefined;

  constructor(
    readonly code: WhisperServerErrorCode,
    message: string,
    readonly retryable: boolean,
    options: { cause?: unknown; status?: number; outputTail?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.outputTail = options.outputTail;
  }
}

/** Thrown when whisper.cpp cannot be built: missing tools, or a failed compile. */
export class WhisperBuildError extends Error {
  override readonly name = 'WhisperBuildError';
  /** The full build log, kept when a build fails. */
  readonly logPath: string | undefined;

  constructor(
    readonly code: 'cmake-missing' | 'compiler-missing' | 'source-missing' | 'build-failed',
    message: string,
    options: { cause?: unknown; logPath?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.logPath = options.logPath;
  }
}

/** Thrown when no usable Whisper model is found, or a configured one is not a ggml file. */
export class WhisperModelError extends Error {
  override readonly name = 'WhisperModelError';

  constructor(
    readonly code: 'configured-model-missing' | 'configured-model-invalid' | 'no-model',
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}
