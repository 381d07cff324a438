import type { Language } from '../../domain/language.js';
import { FALLBACK_PHRASES } from '../llm/fallback-phrases.js';

/** A reply spoken often enough to synthesize when a worker starts and to keep cached. */
export interface FixedPhrase {
  language: Language;
  text: string;
}

/** What an LLM agent says, word for word, while the caller waits for a tool's answer. */
export const HOLD_LINES: Record<Language, readonly string[]> = {
  uk: ['Хвилинку, будь ласка.', 'Зачекайте хвилинку, я перевірю.', 'Дякую за очікування.'],
  ru: ['Минутку, пожалуйста.', 'Подождите минутку, я проверю.', 'Спасибо за ожидание.'],
};

/** The LLM agent's closing line; the fallback dialog has its own in its phrase table. */
const AGENT_GOODBYE: Record<Language, string> = {
  uk: 'Дякуємо за дзвінок! До побачення.',
  ru: 'Спасибо за звонок! До свидания.',
};

/**
 * The replies pre-synthesized at worker start and always cached, whatever their length: the
 * fallback dialog's fixed replies, joined the way it joins a reply's lines and its closing
 * question, plus the LLM agent's hold and closing lines.
 */
export function fixedPhrases(): FixedPhrase[] {
  const phrases: FixedPhrase[] = [];
  for (const language of Object.keys(FALLBACK_PHRASES) as Language[]) {
    const say = FALLBACK_PHRASES[language];
    const { howCanIHelp, anythingElse, offerOperator, askOrderNumber } = say.questions;
    const replies = [
      [say.greeting, howCanIHelp],
      [say.goodbye],
      [say.transfer],
      [say.youAreWelcome, anythingElse],
      [say.okay, anythingElse],
      [say.listening],
      [say.unclear],
      [say.didNotCatch],
      [askOrderNumber],
      [say.badLine, say.transfer],
      [say.notUnderstood, say.transfer],
      [say.orderLookupsExhausted, say.transfer],
      [say.productNotFound, offerOperator],
      [say.shopUnavailable, offerOperator],
      [say.orderNotFound, offerOperator],
      [say.orderNeedsCallerNumber, offerOperator],
      ...HOLD_LINES[language].map((line) => [line]),
      [AGENT_GOODBYE[language]],
    ];
    for (const lines of replies) phrases.push({ language, text: lines.join(' ') });
  }
  return phrases;
}
