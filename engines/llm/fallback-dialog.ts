/**
 * The agent used when no model is configured or the model provider is down: intent patterns,
 * catalogue and order lookups, and a hand-over to a human for everything else. It never sends
 * the caller's words anywhere but the shop's own search, so prompt injection has nothing to
 * inject into; and it only ever says lines from its phrase table, catalogue product names and
 * figures from the shop.
 */
import type { IntentMatch } from '../../domain/intents.js';
import { classifyIntent, MAX_CLASSIFIED_CHARS } from '../../domain/intents.js';
import type { Language } from '../../domain/language.js';
import { detectLanguage, LANGUAGES } from '../../domain/language.js';
import type { OrderSummary, Product, ShopData } from '../../domain/shop.js';
import type { LlmUsage } from '../../domain/usage.js';
import type { AgentReply, DialogMessage, ReplyGenerator } from '../types.js';
import type { DialogPhrases, Question } from './fallback-phrases.js';
import { FALLBACK_PHRASES, spokenDate, spokenUah } from './fallback-phrases.js';

const PROVIDER = 'fallback-dialog';

/** Products named in one reply: a fourth would take longer to hear than a caller listens. */
const MAX_PRODUCTS_SPOKEN = 3;

/** Characters of the caller's phrase sent to the catalogue search, counted from its end. */
const MAX_SEARCH_CHARS = 200;

/** Phrases in a row not understood before a human takes over. */
const MAX_UNKNOWN_TURNS = 2;

/** Silent turns in a row after which the line is taken to be bad and a human takes over. */
const MAX_SILENT_TURNS = 3;

/** Orders not found for this number before the agent stops looking (guessing other numbers). */
const MAX_FAILED_ORDER_LOOKUPS = 3;

/** Order states for which an expected delivery date still means something. */
const DELIVERY_PENDING: ReadonlySet<OrderSummary['state']> = new Set(['new', 'paid', 'shipped']);

export interface FallbackDialogOptions {
  shop: ShopData;
}

/** What one turn says and does, before it becomes an `AgentReply`. */
interface Speech {
  lines: string[];
  question?: Question;
  transfer?: boolean;
  endCall?: boolean;
}

/** Everything one turn needs to decide its answer. */
interface Turn {
  phrase: string;
  match: IntentMatch;
  language: Language;
  say: DialogPhrases;
  pending: Question | undefined;
  callerTurns: readonly DialogMessage[];
  agentTurns: readonly DialogMessage[];
  callerHash: string | undefined;
}

/**
 * A `ReplyGenerator` without a language model: it answers greetings, product availability and
 * prices, and order status in the caller's language, and hands the caller to an operator for
 * anything else. It spends no tokens and never throws for a failing shop.
 */
export class FallbackDialog implements ReplyGenerator {
  readonly provider = PROVIDER;

  readonly #shop: ShopData;

  constructor(options: FallbackDialogOptions) {
    this.#shop = options.shop;
  }

  /** Answers the latest caller phrase in `history`; with none yet, greets the caller. */
  async reply(input: {
    callId: string;
    language: Language;
    history: readonly DialogMessage[];
    model: string;
    callerHash?: string;
  }): Promise<AgentReply> {
    const latestIndex = input.history.findLastIndex((message) => message.role === 'caller');
    const latest = input.history[latestIndex];
    if (latest === undefined) {
      return toReply(greet(FALLBACK_PHRASES[input.language]), input.language);
    }

    const match = classifyIntent(latest.text);
    const heard = latest.text.slice(-MAX_CLASSIFIED_CHARS);
    const language = detectLanguage(heard, match.language ?? input.language);
    const earlier = input.history.slice(0, latestIndex);
    const agentTurns = earlier.filter((message) => message.role === 'agent');
    const turn: Turn = {
      phrase: latest.text,
      match,
      language,
      say: FALLBACK_PHRASES[language],
      pending: questionAsked(agentTurns.at(-1)?.text),
      callerTurns: input.history.filter((message) => message.role === 'caller'),
      agentTurns,
      callerHash: input.callerHash,
    };

    return toReply(await this.#answer(turn), language);
  }

  async #answer(turn: Turn): Promise<Speech> {
    const { say, pending } = turn;
    switch (turn.match.intent) {
      case 'greeting':
        return greet(say);
      case 'availability':
      case 'price':
        return this.#products(turn);
      case 'order_status':
        return this.#order(turn);
      case 'operator':
        return { lines: [say.transfer], transfer: true };
      case 'goodbye':
        return { lines: [say.goodbye], endCall: true };
      case 'thanks':
        return { lines: [say.youAreWelcome], question: 'anythingElse' };
      case 'yes':
        if (pending === 'offerOperator') return { lines: [say.transfer], transfer: true };
        if (pending === 'askOrderNumber') return { lines: [], question: 'askOrderNumber' };
        return { lines: [say.listening] };
      case 'no':
        if (pending === 'anythingElse' || pending === 'howCanIHelp') {
          return { lines: [say.goodbye], endCall: true };
        }
        return { lines: [say.okay], question: 'anythingElse' };
      case 'empty':
        if (trailingCount(turn.callerTurns, 'empty') >= MAX_SILENT_TURNS) {
          return { lines: [say.badLine, say.transfer], transfer: true };
        }
        return { lines: [say.didNotCatch] };
      case 'unknown':
        if (trailingCount(turn.callerTurns, 'unknown') >= MAX_UNKNOWN_TURNS) {
          return { lines: [say.notUnderstood, say.transfer], transfer: true };
        }
        return { lines: [say.unclear] };
    }
  }

  async #products(turn: Turn): Promise<Speech> {
    const { say, language } = turn;
    let lines: string[];
    try {
      const products = await this.#shop.searchProducts(
        searchPhrase(turn.phrase),
        MAX_PRODUCTS_SPOKEN,
      );
      lines = products
        .slice(0, MAX_PRODUCTS_SPOKEN)
        .map((product) => productLine(product, say, language));
    } catch {
      return { lines: [say.shopUnavailable], question: 'offerOperator' };
    }

    if (lines.length === 0) return { lines: [say.productNotFound], question: 'offerOperator' };
    return { lines: [say.productsFound, ...lines], question: 'anythingElse' };
  }

  async #order(turn: Turn): Promise<Speech> {
    const { say, language, match, callerHash } = turn;
    if (match.orderNumber === undefined) {
      // Asked once already and still no number: a human will sort it out faster.
      if (turn.pending === 'askOrderNumber') {
        return { lines: [say.notUnderstood, say.transfer], transfer: true };
      }
      return { lines: [], question: 'askOrderNumber' };
    }
    if (callerHash === undefined) {
      return { lines: [say.orderNeedsCallerNumber], question: 'offerOperator' };
    }

    let order: OrderSummary | undefined;
    try {
      order = await this.#shop.findOrder(match.orderNumber, callerHash);
    } catch {
      return { lines: [say.shopUnavailable], question: 'offerOperator' };
    }

    if (order === undefined) {
      const failedBefore = turn.agentTurns.filter((m) => isOrderNotFound(m.text));
      if (failedBefore.length + 1 >= MAX_FAILED_ORDER_LOOKUPS) {
        return { lines: [say.orderLookupsExhausted, say.transfer], transfer: true };
      }
      return { lines: [say.orderNotFound], question: 'offerOperator' };
    }
    const lines = orderLines(order, say, language);
    // A state this build does not know is not guessed at.
    if (lines === undefined) return { lines: [say.shopUnavailable], question: 'offerOperator' };
    return { lines, question: 'anythingElse' };
  }
}

function greet(say: DialogPhrases): Speech {
  return { lines: [say.greeting], question: 'howCanIHelp' };
}

function toReply(speech: Speech, language: Language): AgentReply {
  const { questions } = FALLBACK_PHRASES[language];
  const lines = speech.question ? [...speech.lines, questions[speech.question]] : speech.lines;
  return {
    text: lines.join(' '),
    language,
    transfer: speech.transfer ?? false,
    endCall: speech.endCall ?? false,
    usage: NO_USAGE,
  };
}

const NO_USAGE: LlmUsage = {
  provider: PROVIDER,
  model: PROVIDER,
  inputTokens: 0,
  outputTokens: 0,
  cacheWriteTokens: 0,
  cacheReadTokens: 0,
};

/**
 * The question the agent's previous reply ended with, in either language: the caller may
 * switch language between the question and the answer.
 */
function questionAsked(agentText: string | undefined): Question | undefined {
  const text = agentText?.trim();
  if (!text) return undefined;
  for (const language of LANGUAGES) {
    const { questions } = FALLBACK_PHRASES[language];
    const found = (Object.keys(questions) as Question[]).find((q) => text.endsWith(questions[q]));
    if (found) return found;
  }
  return undefined;
}

/** True for an earlier reply that said an order was not found, in either language. */
function isOrderNotFound(agentText: string): boolean {
  return LANGUAGES.some((language) =>
    agentText.startsWith(FALLBACK_PHRASES[language].orderNotFound),
  );
}

/** How many of the latest caller turns in a row, this one included, had the given intent. */
function trailingCount(callerTurns: readonly DialogMessage[], intent: 'empty' | 'unknown'): number {
  let count = 0;
  for (let i = callerTurns.length - 1; i >= 0; i--) {
    if (classifyIntent(callerTurns[i]?.text ?? '').intent !== intent) break;
    count++;
  }
  return count;
}

/** The caller's phrase as search words: markup and symbols dropped, length capped. */
function searchPhrase(phrase: string): string {
  return phrase
    .slice(-MAX_SEARCH_CHARS)
    .replace(/<[^>]*>/gu, ' ')
    .replace(/[^\p{L}\p{N}'’ʼ-]+/gu, ' ')
    .trim();
}

function productLine(product: Product, say: DialogPhrases, language: Language): string {
  const name = product.name[language] ?? product.name.uk ?? product.sku;
  const stock = product.inStock > 0 ? say.inStock : say.outOfStock;
  return `${name} — ${spokenUah(product.priceUah, language)}, ${stock}.`;
}

function orderLines(
  order: OrderSummary,
  say: DialogPhrases,
  language: Language,
): string[] | undefined {
  const state = say.orderState[order.state] as string | undefined;
  if (state === undefined) return undefined;
  const lines = [state];
  const date = order.expectedDelivery && spokenDate(order.expectedDelivery, language);
  if (date && DELIVERY_PENDING.has(order.state)) lines.push(`${say.expectedDelivery} ${date}.`);
  return lines;
}
