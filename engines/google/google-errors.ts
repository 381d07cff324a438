/** Which Google service failed; it prefixes the failure type (`SttBadRequest`, `TtsAuthFailed`). */
export type GoogleService = 'stt' | 'tts';

/** How a Google call failed, independent of the service. */
export type GoogleFailureKind =
  | 'BadRequest'
  | 'AuthFailed'
  | 'NotFound'
  | 'PreconditionFailed'
  | 'Unsupported'
  | 'BadResponse'
  | 'Unavailable'
  | 'Timeout'
  | 'RateLimited'
  | 'Aborted'
  | 'ProviderError';

// gRPC status codes (grpc/grpc doc/statuscodes.md); the SDKs report them as `error.code`.
const STATUS_NAMES: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

/**
 * What each status means for a phone turn. Requests Google refuses as malformed, unauthorized or
 * unfit (an unknown voice, a model the language lacks, billing off) get the same answer when
 * sent again; overload, timeouts and server faults usually pass, so Temporal retries them.
 */
const KIND_BY_STATUS: Record<number, GoogleFailureKind> = {
  1: 'Aborted',
  2: 'ProviderError',
  3: 'BadRequest',
  4: 'Timeout',
  5: 'NotFound',
  6: 'BadRequest',
  7: 'AuthFailed',
  8: 'RateLimited',
  9: 'PreconditionFailed',
  10: 'Aborted',
  11: 'BadRequest',
  12: 'Unsupported',
  13: 'ProviderError',
  14: 'Unavailable',
  15: 'ProviderError',
  16: 'AuthFailed',
};

const RETRYABLE_KINDS: ReadonlySet<GoogleFailureKind> = new Set([
  'Unavailable',
  'Timeout',
  'RateLimited',
  'Aborted',
  'ProviderError',
]);

const SERVICE_NAMES: Record<GoogleService, string> = {
  stt: 'Google Speech-to-Text',
  tts: 'Google Text-to-Speech',
};

/**
 * Thrown by the Google engines. Its `name` is the stable failure type (`SttBadRequest`,
 * `TtsUnavailable`, …) that the activity edge turns into a Temporal failure type, and
 * `retryable` is false for faults that no retry can mend.
 */
export class GoogleApiError extends Error {
  override readonly name: string;
  readonly retryable: boolean;
  /** The gRPC status code, when the failure came from the server or the channel. */
  readonly grpcCode: number | undefined;

  constructor(
    readonly service: GoogleService,
    readonly kind: GoogleFailureKind,
    message: string,
    options: { cause?: unknown; grpcCode?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = googleFailureType(service, kind);
    this.retryable = RETRYABLE_KINDS.has(kind);
    this.grpcCode = options.grpcCode;
  }
}

/** The failure type a Google fault of this kind carries through Temporal. */
export function googleFailureType(service: GoogleService, kind: GoogleFailureKind): string {
  return `${service === 'stt' ? 'Stt' : 'Tts'}${kind}`;
}

/**
 * Classifies an error thrown by a Google SDK call. Errors without a gRPC status (a socket reset
 * before the call began, say) are treated as transient provider errors.
 */
export function toGoogleApiError(service: GoogleService, error: unknown): GoogleApiError {
  if (error instanceof GoogleApiError) return error;
  const code = grpcCodeOf(error);
  const kind = code === undefined ? 'ProviderError' : (KIND_BY_STATUS[code] ?? 'ProviderError');
  const status = code === undefined ? 'no status' : (STATUS_NAMES[code] ?? `status ${code}`);
  const details = detailsOf(error);
  return new GoogleApiError(
    service,
    kind,
    `${SERVICE_NAMES[service]} failed (${status})${details ? `: ${details}` : ''}`,
    { cause: error, grpcCode: code },
  );
}

function grpcCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && Number.isInteger(code) && code > 0 ? code : undefined;
}

function detailsOf(error: unknown): string {
  const details = (error as { details?: unknown } | null)?.details;
  if (typeof details === 'string' && details !== '') return details;
  return error instanceof Error ? error.message : String(error);
}
