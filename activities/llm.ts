import type { Language } from '../domain/language.js';
import type { AgentReply, DialogMessage, ReplyGenerator } from '../engines/types.js';
import { toActivityFailure } from './errors.js';

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
      try {
        const reply = await llm.reply(input);
        return { reply, elapsedMs: Math.round(performance.now() - startedAt) };
      } catch (error) {
        throw toActivityFailure(error);
      }
    };
  return { generateReply: replyWith(deps.llm), replyDuringOutage: replyWith(deps.outage) };
}

export type LlmActivities = ReturnType<typeof createLlmActivities>;
