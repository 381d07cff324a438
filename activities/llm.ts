import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { msOptionalToNumber } from '@temporalio/common/lib/time.js';

import type { Language } from '../domain/language.js';
import type { AgentReply, DialogMessage, ReplyGenerator } from '../engines/types.js';
import { toActivityFailure } from './errors.js';
import { LlmFailureType } from './llm-errors.js';

export interface GenerateReplyInput {
  callId: string;
  callerHash?: string;
  language: Language;
  history: DialogMessage[];
  model: string;
  /** The model is the cheap tier and may hand the turn to the complex one. */
  canEscalate?: boolean;
}

export interface GenerateReplyResult {
  reply: AgentReply;
  elapsedMs: number;
}

/**
 * Model turns: write the agent's next reply to the conversation so far, on the configured
 * model, or on the built-in dialog (`outage`) while the model provider cannot answer.
 */
export function createLlmActivities(deps: { llm: ReplyGenerator; outage: ReplyGenerator }) {
  const replyWith =
    (llm: ReplyGenerator) =>
    async (input: GenerateReplyInput): Promise<GenerateReplyResult> => {
      const startedAt = performance.now();
      const budget = replyBudget();
      if (budget && budget.attempt > 1 && Date.now() >= budget.deadlineMs) {
        throw ApplicationFailure.create({
          message: `the reply's time budget ran out before attempt ${budget.attempt}`,
          type: LlmFailureType.Unavailable,
          nonRetryable: true,
        });
      }
      try {
        const reply = await llm.reply(input);
        return { reply, elapsedMs: Math.round(performance.now() - startedAt) };
      } catch (error) {
        throw withinBudget(toActivityFailure(error), budget);
      }
    };
  return { generateReply: replyWith(deps.llm), replyDuringOutage: replyWith(deps.outage) };
}

export type LlmActivities = ReturnType<typeof createLlmActivities>;

interface ReplyBudget {
  attempt: number;
  /** When every attempt of this reply must have ended: its schedule-to-close timeout. */
  deadlineMs: number;
}

/**
 * The reply's time budget, from the activity's schedule-to-close timeout. The server keeps a
 * scheduled activity's retries within it, but a worker retrying a local activity does not stop
 * a retry whose wait outlasts it, so the activity keeps to it itself: a failure with no time
 * left for another attempt is final, and an attempt that starts too late fails at once.
 */
function replyBudget(): ReplyBudget | undefined {
  let info;
  try {
    ({ info } = Context.current());
  } catch {
    return undefined; // run outside an activity: no budget to keep
  }
  if (!info.scheduleToCloseTimeoutMs) return undefined;
  return {
    attempt: info.attempt,
    deadlineMs: info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs,
  };
}

function withinBudget(failure: unknown, budget: ReplyBudget | undefined): unknown {
  if (!budget || !(failure instanceof ApplicationFailure) || failure.nonRetryable) return failure;
  const retryAtMs = Date.now() + (msOptionalToNumber(failure.nextRetryDelay ?? undefined) ?? 0);
  if (retryAtMs < budget.deadlineMs) return failure;
  return ApplicationFailure.create({
    message: `${failure.message}; no time is left in the reply's budget for another attempt`,
    type: failure.type ?? undefined,
    details: failure.details ?? undefined,
    nonRetryable: true,
    cause: failure.cause,
  });
}
