/**
 * The production shop agent: Claude through the Messages API, answering from the shop's data
 * through tools. Errors of the API are left to the activity edge (activities/llm-errors.ts),
 * where Temporal's retry policy decides what to try again.
 */
import Anthropic from '@anthropic-ai/sdk';

import type { Language } from '../../domain/language.js';
import { detectLanguage } from '../../domain/language.js';
import type { BookingData, ShopData } from '../../domain/shop.js';
import type { LlmUsage } from '../../domain/usage.js';
import type { Logger } from '../../infra/logger.js';
import type { AgentReply, DialogMessage, EscalationReason, ReplyGenerator } from '../types.js';
import { FALLBACK_PHRASES } from './fallback-phrases.js';
import {
  CALL_CONNECTED_MARKER,
  SHOP_AGENT_PROMPT,
  SILENT_CALLER_MARKER,
} from './shop-agent-prompt.js';
import { runShopTool, SHOP_TOOLS, SHOP_TOOLS_WITH_ESCALATION } from './shop-agent-tools.js';
import type { ToolContext, ToolOutcome } from './shop-agent-tools.js';

const PROVIDER = 'anthropic';

/**
 * Time one request may take. A spoken reply is one to three sentences (under 150 tokens), which
 * Haiku and Sonnet write in 1–3 s; past 5 s the caller has sat in silence too long, and three such
 * attempts still end within the LLM stage's 20 s schedule-to-close in workflows/call-workflow.ts.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/**
 * Time all tool rounds of one reply may take together: below the activity's 15 s start-to-close,
 * so that a slow turn ends with the SDK's timeout error rather than a bare activity timeout.
 */
export const DEFAULT_REPLY_BUDGET_MS = 12_000;

/**
 * Model calls in one turn: a search or an order lookup, maybe a second one after a misheard name,
 * then the answer. The last round offers no tools, so the model must answer in words.
 */
export const DEFAULT_MAX_ROUNDS = 4;

/** Output cap per request: a spoken reply needs ~150 tokens, a runaway monologue is cut off. */
const MAX_OUTPUT_TOKENS = 400;

/**
 * Dialog messages sent with a turn, counted from the latest. A long call would otherwise grow
 * each request without end; the oldest turns matter least to the next answer.
 */
const MAX_HISTORY_MESSAGES = 40;

/** Characters of one caller phrase sent to the model; a phone phrase is far shorter. */
const MAX_CALLER_CHARS = 2_000;

/** Tools that change what happens after the reply, and need no answer from the shop. */
const CONTROL_TOOLS: ReadonlySet<string> = new Set(['transfer_to_operator', 'end_call']);

/** One side's turn of the conversation as sent: always content blocks, never a bare string. */
type Turn = { role: 'user' | 'assistant'; content: Anthropic.Messages.ContentBlockParam[] };

/** Ephemeral cache control marks the end of a prefix that later requests may read from cache. */
const CACHE_BREAKPOINT = { type: 'ephemeral' } as const;

/**
 * The system prompt as one cached block. Tools come before the system prompt in the order the
 * API caches in, so this one breakpoint caches the tool definitions as well.
 */
const SYSTEM: Anthropic.Messages.TextBlockParam[] = [
  { type: 'text', text: SHOP_AGENT_PROMPT, cache_control: CACHE_BREAKPOINT },
];

export interface AnthropicAgentOptions {
  /** A client made by `createAnthropicClient`, or one with SDK retries off likewise. */
  client: Anthropic;
  shop: ShopData;
  /** Installation visits for the booking tools; without it they say booking is unavailable. */
  booking?: BookingData;
  logger?: Logger;
  /** @default DEFAULT_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number;
  /** @default DEFAULT_REPLY_BUDGET_MS */
  replyBudgetMs?: number;
  /** @default DEFAULT_MAX_ROUNDS */
  maxRounds?: number;
}

/**
 * An Anthropic client for the agent. The SDK's own retries are off: Temporal's retry policy on
 * the activity owns retries, and two layers of them would multiply the caller's wait.
 */
export function createAnthropicClient(options: { apiKey: string; baseUrl?: string }): Anthropic {
  return new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: 0,
    timeout: DEFAULT_REQUEST_TIMEOUT_MS,
  });
}

/**
 * A `ReplyGenerator` backed by Claude: one turn runs the tool loop (catalogue search, the
 * caller's own orders, hand-over and hang-up) and returns the spoken reply with the tokens it
 * used, summed over its requests. Requests are not streamed, because a turn returns its whole
 * reply for now; streaming comes with sentence-by-sentence synthesis.
 */
export class AnthropicAgent implements ReplyGenerator {
  readonly provider = PROVIDER;

  readonly #client: Anthropic;
  readonly #shop: ShopData;
  readonly #booking: BookingData | undefined;
  readonly #logger: Logger | undefined;
  readonly #requestTimeoutMs: number;
  readonly #replyBudgetMs: number;
  readonly #maxRounds: number;

  constructor(options: AnthropicAgentOptions) {
    this.#client = options.client;
    this.#shop = options.shop;
    this.#booking = options.booking;
    this.#logger = options.logger;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#replyBudgetMs = options.replyBudgetMs ?? DEFAULT_REPLY_BUDGET_MS;
    this.#maxRounds = Math.max(1, options.maxRounds ?? DEFAULT_MAX_ROUNDS);
  }

  /**
   * Answers the latest caller phrase in `history` with model `input.model`. Throws the SDK's
   * errors unchanged; tool faults never throw, they reach the model as error results.
   */
  async reply(input: {
    callId: string;
    language: Language;
    history: readonly DialogMessage[];
    model: string;
    callerHash?: string;
    canEscalate?: boolean;
  }): Promise<AgentReply> {
    const canEscalate = input.canEscalate ?? false;
    const deadlineMs = performance.now() + this.#replyBudgetMs;
    const context: ToolContext = {
      shop: this.#shop,
      booking: this.#booking,
      callId: input.callId,
      language: input.language,
      callerHash: input.callerHash,
    };
    const messages = toMessages(input.history);
    const usage = emptyUsage(input.model);
    const toolsUsed: string[] = [];
    let transfer = false;
    let endCall = false;

    for (let round = 1; ; round++) {
      const response = await this.#client.messages.create(
        {
          model: input.model,
          max_tokens: MAX_OUTPUT_TOKENS,
          system: SYSTEM,
          tools: [...(canEscalate ? SHOP_TOOLS_WITH_ESCALATION : SHOP_TOOLS)],
          ...(round >= this.#maxRounds ? { tool_choice: { type: 'none' as const } } : {}),
          messages: withCacheBreakpoint(messages),
        },
        { timeout: Math.max(1, Math.min(this.#requestTimeoutMs, deadlineMs - performance.now())) },
      );
      addUsage(usage, response.usage);

      const text = spokenText(response.content);
      const calls = response.content.filter((block) => block.type === 'tool_use');
      if (response.stop_reason !== 'tool_use' || calls.length === 0) {
        return this.#finish(input, { text, transfer, endCall, usage, round, toolsUsed, response });
      }

      const outcomes = await Promise.all(
        calls.map((call) => runShopTool(call.name, call.input, context, { canEscalate })),
      );
      toolsUsed.push(...calls.map((call) => call.name));
      const escalation = canEscalate ? escalationOf(outcomes) : undefined;
      if (escalation) {
        this.#logger?.info(
          { callId: input.callId, model: input.model, reason: escalation, tools: toolsUsed },
          'cheap model hands the turn on',
        );
        return {
          text: '',
          language: input.language,
          transfer: false,
          endCall: false,
          usage,
          escalation: { reason: escalation },
        };
      }
      transfer ||= outcomes.some((outcome) => outcome.transfer);
      endCall ||= outcomes.some((outcome) => outcome.endCall);

      // Only a hand-over or hang-up, with its line already said: another round adds latency only.
      if (text && calls.every((call) => CONTROL_TOOLS.has(call.name))) {
        return this.#finish(input, { text, transfer, endCall, usage, round, toolsUsed, response });
      }
      messages.push(
        { role: 'assistant', content: response.content.flatMap(toParam) },
        { role: 'user', content: calls.map((call, i) => toolResult(call.id, outcomes[i]!)) },
      );
    }
  }

  #finish(
    input: { callId: string; language: Language; canEscalate?: boolean },
    turn: {
      text: string;
      transfer: boolean;
      endCall: boolean;
      usage: LlmUsage;
      round: number;
      toolsUsed: string[];
      response: Anthropic.Messages.Message;
    },
  ): AgentReply {
    let { text, transfer } = turn;
    if (text === '' && input.canEscalate) {
      return {
        text,
        language: input.language,
        transfer: false,
        endCall: false,
        usage: turn.usage,
        escalation: { reason: 'empty-reply' },
      };
    }
    if (text === '') {
      // Nothing to say (a refusal, or output spent on tool calls): a human takes over rather
      // than the line going silent.
      text = FALLBACK_PHRASES[input.language].transfer;
      transfer = true;
      this.#logger?.warn(
        { callId: input.callId, stopReason: turn.response.stop_reason },
        'model gave no spoken reply; handing the caller to an operator',
      );
    }
    const language = detectLanguage(text, input.language);

    this.#logger?.debug(
      {
        callId: input.callId,
        model: turn.usage.model,
        rounds: turn.round,
        tools: turn.toolsUsed,
        stopReason: turn.response.stop_reason,
        usage: turn.usage,
        pii: { reply: text },
      },
      'agent replied',
    );
    return { text, language, transfer, endCall: turn.endCall, usage: turn.usage };
  }
}

/** Why a cheap model's tool calls mean the turn should go to the complex model, if they do. */
function escalationOf(outcomes: readonly ToolOutcome[]): EscalationReason | undefined {
  if (outcomes.some((outcome) => outcome.escalate)) return 'asked-to-escalate';
  if (outcomes.some((outcome) => outcome.fault === 'unknown-tool')) return 'forbidden-tool';
  if (outcomes.some((outcome) => outcome.fault === 'invalid-arguments')) {
    return 'malformed-tool-call';
  }
  return undefined;
}

/**
 * The call's dialog as Messages API turns: caller → user, agent → assistant. Consecutive
 * phrases of one side (a turn whose reply failed) are joined, since the API wants the roles to
 * alternate, and the conversation always opens with the caller.
 */
function toMessages(history: readonly DialogMessage[]): Turn[] {
  const turns: { role: 'user' | 'assistant'; texts: string[] }[] = [];
  for (const message of history.slice(-MAX_HISTORY_MESSAGES)) {
    const role = message.role === 'caller' ? 'user' : 'assistant';
    const said = message.text.trim();
    const text =
      role === 'user' ? said.slice(-MAX_CALLER_CHARS) || SILENT_CALLER_MARKER : said || undefined;
    if (text === undefined) continue;
    const last = turns.at(-1);
    if (last?.role === role) last.texts.push(text);
    else turns.push({ role, texts: [text] });
  }
  if (turns[0]?.role !== 'user') turns.unshift({ role: 'user', texts: [CALL_CONNECTED_MARKER] });

  return turns.map(({ role, texts }) => ({
    role,
    content: [{ type: 'text', text: texts.join('\n') }],
  }));
}

/**
 * A copy of the messages whose last block closes a cache breakpoint, so that the next tool round
 * and the next turn read the conversation so far from cache instead of paying for it again.
 */
function withCacheBreakpoint(messages: readonly Turn[]): Turn[] {
  const last = messages.at(-1);
  if (last === undefined) return [];
  const content = last.content.map((block, index) =>
    index === last.content.length - 1 ? { ...block, cache_control: CACHE_BREAKPOINT } : block,
  ) as Anthropic.Messages.ContentBlockParam[];
  return [...messages.slice(0, -1), { role: last.role, content }];
}

function spokenText(content: readonly Anthropic.Messages.ContentBlock[]): string {
  return content
    .flatMap((block) => (block.type === 'text' ? [block.text.trim()] : []))
    .filter((text) => text !== '')
    .join(' ');
}

/** The model's own turn as sent back with the tool results; only text and tool calls matter. */
function toParam(block: Anthropic.Messages.ContentBlock): Anthropic.Messages.ContentBlockParam[] {
  if (block.type === 'text') return block.text.trim() ? [{ type: 'text', text: block.text }] : [];
  if (block.type === 'tool_use') {
    return [{ type: 'tool_use', id: block.id, name: block.name, input: block.input }];
  }
  return [];
}

function toolResult(
  toolUseId: string,
  outcome: ToolOutcome,
): Anthropic.Messages.ToolResultBlockParam {
  return {
    type: 'tool_result',
    tool_use_id: toolUseId,
    content: outcome.content,
    ...(outcome.isError ? { is_error: true } : {}),
  };
}

function emptyUsage(model: string): LlmUsage {
  return {
    provider: PROVIDER,
    // The configured id, as priced in the pricing snapshot; the API may answer with a dated id.
    model,
    inputTokens: 0,
    outputTokens: 0,
    cacheWriteTokens: 0,
    cacheReadTokens: 0,
  };
}

function addUsage(total: LlmUsage, usage: Anthropic.Messages.Usage): void {
  total.inputTokens += usage.input_tokens;
  total.outputTokens += usage.output_tokens;
  total.cacheWriteTokens += usage.cache_creation_input_tokens ?? 0;
  total.cacheReadTokens += usage.cache_read_input_tokens ?? 0;
}
