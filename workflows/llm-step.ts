import {
  ApplicationFailure,
  TimeoutFailure,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';

import type { GenerateReplyInput, GenerateReplyResult, LlmActivities } from '../activities/llm.js';
import { detectLanguage } from '../domain/language.js';
import type { LlmUsage } from '../domain/usage.js';
import type { EscalationReason } from '../engines/types.js';
import { PERMANENT_FAILURES } from './stt-step.js';
import type { StageMode } from './stt-step.js';

const GENERATE_REPLY = {
  startToCloseTimeout: '15s',
  // The caller hears silence meanwhile: all attempts of one reply, backoff and retry-after waits
  // included, end within 20 s, and the turn fails rather than the line going dead.
  scheduleToCloseTimeout: '20s',
  retry: {
    initialInterval: '300ms',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
} as const;

const OUTAGE_REPLY = {
  // The built-in dialog reads the shop's tables and nothing else: it answers in milliseconds.
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', maximumAttempts: 2 },
} as const;

const remote = {
  generateReply: proxyActivities<LlmActivities>(GENERATE_REPLY).generateReply,
  replyDuringOutage: proxyActivities<LlmActivities>(OUTAGE_REPLY).replyDuringOutage,
};
const local = {
  generateReply: proxyLocalActivities<LlmActivities>(GENERATE_REPLY).generateReply,
  replyDuringOutage: proxyLocalActivities<LlmActivities>(OUTAGE_REPLY).replyDuringOutage,
};

/** A model provider that is down, overloaded or throttling still after every retry. */
const OUTAGES = ['LlmUnavailable', 'LlmOverloaded', 'LlmRateLimited'];

/** Failures that the complex model would meet just the same: escalating cannot help. */
const NOT_ESCALATED = ['LlmAuthFailed', 'LlmBadRequest', ...PERMANENT_FAILURES];

export interface ModelReply extends GenerateReplyResult {
  /** The model that wrote the reply the caller hears. */
  model: string;
  /** Usage of every model call in the turn, the escalated attempt included. */
  usage: LlmUsage[];
  escalation?: EscalationReason;
  /** Set when the model provider could not answer and the built-in dialog did: why. */
  outage?: string;
}

/**
 * Writes the agent's reply on `model`. When that is the simple model of a routed call, a reply
 * it cannot give (a failure after its retries, an escalation it asks for, an empty or
 * wrong-language reply) is written again by the complex model, and the result says why.
 * `onEscalation` hears of the move before the complex model is asked.
 */
export async function writeReply(
  turn: number,
  input: Omit<GenerateReplyInput, 'canEscalate'>,
  models: { simple: string; complex: string } | undefined,
  mode: StageMode,
  onEscalation: (reason: EscalationReason, complexModel: string) => void = () => undefined,
): Promise<ModelReply> {
  const { generateReply } = mode.localStages ? local : remote;
  const canEscalate = models !== undefined && input.model === models.simple;
  let escalation: EscalationReason | undefined;
  let first: GenerateReplyResult | undefined;
  try {
    first = await generateReply.executeWithOptions(
      {
        summary: `Write agent reply ${turn} (${input.model})`,
        // A retry on the complex model follows, so the cheap one gets a shorter budget.
        ...(canEscalate ? { scheduleToCloseTimeout: '8s' } : {}),
      },
      [{ ...input, canEscalate }],
    );
  } catch (error) {
    if (!canEscalate || failureType(error, NOT_ESCALATED)) throw error;
    escalation = 'simple-model-failed';
  }

  if (first && canEscalate) {
    escalation = first.reply.escalation?.reason ?? replyProblem(first, input.language);
  }
  if (!escalation || !models) {
    return { ...first!, model: input.model, usage: [first!.reply.usage] };
  }
  // Told before the complex model runs: the call moves to it even if this attempt fails too.
  onEscalation(escalation, models.complex);

  const second = await generateReply.executeWithOptions(
    {
      summary: `Write agent reply ${turn} again (${models.complex}, after ${escalation})`,
      // With the cheap model's 8 s, a turn that escalates still ends within 20 s.
      scheduleToCloseTimeout: '12s',
    },
    [{ ...input, model: models.complex, canEscalate: false }],
  );
  return {
    ...second,
    elapsedMs: (first?.elapsedMs ?? 0) + second.elapsedMs,
    model: models.complex,
    usage: [...(first ? [first.reply.usage] : []), second.reply.usage],
    escalation,
  };
}

/** A cheap model's reply that must not reach the caller. */
function replyProblem(
  result: GenerateReplyResult,
  callerLanguage: GenerateReplyInput['language'],
): EscalationReason | undefined {
  const text = result.reply.text.trim();
  if (text === '') return 'empty-reply';
  // Only letters one of the two alphabets lacks count as evidence; a neutral reply passes.
  const spoken = detectLanguage(text, callerLanguage);
  if (spoken !== callerLanguage) return 'wrong-language';
  return undefined;
}

function failureType(error: unknown, types: readonly string[]): boolean {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && types.includes(current.type ?? '')) return true;
    current = current.cause;
  }
  return false;
}

/**
 * Why the turn's model provider is out of service, when `error` says so after every retry:
 * the failure type, or `timeout`. Undefined for failures the provider is not to blame for.
 */
export function providerOutage(error: unknown): string | undefined {
  let current: unknown = error;
  let timedOut = false;
  while (current instanceof Error) {
    // The failure of the last attempt decides, also under a timeout that carries it.
    if (current instanceof ApplicationFailure) {
      return OUTAGES.includes(current.type ?? '') ? (current.type ?? undefined) : undefined;
    }
    if (current instanceof TimeoutFailure) timedOut = true;
    current = current.cause;
  }
  return timedOut ? 'timeout' : undefined;
}

/**
 * The built-in dialog's reply (intent patterns, the catalogue, a hand-over to a human) for a
 * turn whose model provider is out of service, so the caller is answered all the same.
 */
export async function writeOutageReply(
  turn: number,
  input: Omit<GenerateReplyInput, 'canEscalate'>,
  outage: string,
  mode: StageMode,
): Promise<ModelReply> {
  const { replyDuringOutage } = mode.localStages ? local : remote;
  const result = await replyDuringOutage.executeWithOptions(
    { summary: `Write agent reply ${turn} with the built-in dialog (model provider: ${outage})` },
    [input],
  );
  return { ...result, model: result.reply.usage.model, usage: [result.reply.usage], outage };
}
