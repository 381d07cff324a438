import {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';

/** Stable failure type names of model turns, for workflows, the bridge and dashboards. */
export const LlmFailureType = {
  /** The request was malformed or too large; a retry sends the same request again. */
  BadRequest: 'LlmBadRequest',
  /** The API key is wrong, revoked, or lacks permission or credit. */
  AuthFailed: 'LlmAuthFailed',
  /** The configured model id does not exist. */
  NotFound: 'LlmNotFound',
  /** Too many requests or tokens for the account's limits. */
  RateLimited: 'LlmRateLimited',
  /** Anthropic is overloaded (HTTP 529). */
  Overloaded: 'LlmOverloaded',
  /** A server error, a dropped connection or a request that took too long. */
  Unavailable: 'LlmUnavailable',
} as const;

/**
 * Longest `retry-after` a turn waits out. A caller waits in silence during a turn; when Anthropic
 * asks for a longer pause, the turn fails at once rather than leave the line silent.
 */
const MAX_RETRY_AFTER_MS = 10_000;

/**
 * Translates an Anthropic SDK error into a Temporal failure: faults that the same request would
 * meet again become non-retryable, the rest stay retryable under the activity's policy, and a
 * rate limit's `retry-after` sets the next attempt's delay. Returns undefined for errors that are
 * not the SDK's.
 *
 * The failure's message is a sentence for the operator who reads the turn's failure; the status,
 * Anthropic's error type and request id are kept in `details`. The SDK error is not chained as
 * `cause`: the workflow reports the innermost message, and the SDK's is the raw JSON body.
 */
export function llmFailure(error: unknown): ApplicationFailure | undefined {
  if (!(error instanceof AnthropicError)) return undefined;
  const details = [describe(error)];

  if (error instanceof APIConnectionTimeoutError) {
    return retryable('Anthropic did not answer in time', LlmFailureType.Unavailable, details);
  }
  if (error instanceof APIConnectionError || error instanceof APIUserAbortError) {
    return retryable('could not reach Anthropic', LlmFailureType.Unavailable, details);
  }
  // Typed by hand: `instanceof` on the SDK's generic class narrows to APIError<any>.
  const api: APIError | undefined = error instanceof APIError ? error : undefined;
  const status = api?.status;
  if (api === undefined || status === undefined) {
    // Thrown by the SDK itself before sending, for a request it knows to be invalid.
    return permanent(
      `invalid Anthropic request: ${error.message}`,
      LlmFailureType.BadRequest,
      details,
    );
  }

  const reason = `${status} ${api.type ?? 'error'}: ${api.apiMessage ?? 'no message'}`;
  if (status === 401 || status === 402 || status === 403) {
    return permanent(
      `Anthropic refused the API key (${reason})`,
      LlmFailureType.AuthFailed,
      details,
    );
  }
  if (status === 404) {
    return permanent(
      `Anthropic does not know the model (${reason})`,
      LlmFailureType.NotFound,
      details,
    );
  }
  if (status === 429) return rateLimited(reason, api.headers, details);
  if (status === 529) {
    return retryable(`Anthropic is overloaded (${reason})`, LlmFailureType.Overloaded, details);
  }
  if (status >= 500 || status === 408 || status === 409) {
    return retryable(`Anthropic is unavailable (${reason})`, LlmFailureType.Unavailable, details);
  }
  // 400, 413, 422 and any other client error: the same request fails the same way.
  return permanent(
    `Anthropic rejected the request (${reason})`,
    LlmFailureType.BadRequest,
    details,
  );
}

function rateLimited(
  reason: string,
  headers: Headers | undefined,
  details: unknown[],
): ApplicationFailure {
  const waitMs = retryAfterMs(headers);
  if (waitMs !== undefined && waitMs > MAX_RETRY_AFTER_MS) {
    return permanent(
      `Anthropic rate limit reached and asks to wait ${Math.ceil(waitMs / 1000)} s, longer than ` +
        `a caller can wait (${reason})`,
      LlmFailureType.RateLimited,
      details,
    );
  }
  return ApplicationFailure.create({
    message: `Anthropic rate limit reached (${reason})`,
    type: LlmFailureType.RateLimited,
    details,
    // Anthropic's own estimate of when capacity returns beats the policy's blind backoff.
    nextRetryDelay: waitMs,
  });
}

function describe(error: AnthropicError) {
  const api: APIError | undefined = error instanceof APIError ? error : undefined;
  return {
    error: error.name,
    status: api?.status ?? null,
    type: api?.type ?? null,
    requestId: api?.requestID ?? null,
  };
}

function permanent(message: string, type: string, details: unknown[]): ApplicationFailure {
  return ApplicationFailure.create({ message, type, details, nonRetryable: true });
}

function retryable(message: string, type: string, details: unknown[]): ApplicationFailure {
  return ApplicationFailure.create({ message, type, details });
}

/**
 * The wait Anthropic asks for, from `retry-after-ms` or `retry-after` (seconds or an HTTP date);
 * undefined when absent, leaving the policy's backoff in charge.
 */
export function retryAfterMs(headers: Headers | undefined, nowMs = Date.now()): number | undefined {
  const exactMs = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  const header = headers?.get('retry-after');
  let waitMs: number | undefined;
  if (Number.isFinite(exactMs) && exactMs >= 0) waitMs = exactMs;
  else if (header && /^\d+(\.\d+)?$/.test(header.trim())) waitMs = Number(header) * 1000;
  else if (header && !Number.isNaN(Date.parse(header))) waitMs = Date.parse(header) - nowMs;
  if (waitMs === undefined) return undefined;
  return Math.max(Math.round(waitMs), 0);
}
