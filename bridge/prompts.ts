import type { Language } from '../domain/language.js';
import type { TextToSpeech } from '../engines/types.js';
import { toTelephoneMulaw } from './reply-audio.js';

/** What the bridge says on its own, without a turn: telephone μ-law, one per language. */
export interface BridgePrompts {
  /** After a stretch of silence from the caller. */
  stillThere: Record<Language, Buffer>;
  /** Before the bridge hangs up on a silent caller, or at the longest call allowed. */
  goodbye: Record<Language, Buffer>;
}

export type PromptName = keyof BridgePrompts;

/** The prompts' words. Short, and the same every call, so synthesizing once at start is enough. */
export const PROMPT_TEXTS: Record<PromptName, Record<Language, string>> = {
  stillThere: {
    uk: 'Ви ще на лінії? Я вас слухаю.',
    ru: 'Вы ещё на линии? Я вас слушаю.',
  },
  goodbye: {
    uk: 'Вас не чути. Дякуємо за дзвінок, до побачення!',
    ru: 'Вас не слышно. Спасибо за звонок, до свидания!',
  },
};

/**
 * Synthesizes every prompt once, when the bridge starts: a prompt must play the moment it is
 * due, and a call workflow should not pay for words no caller asked for.
 */
export async function synthesizePrompts(tts: TextToSpeech): Promise<BridgePrompts> {
  const speak = async (text: string, language: Language) => {
    const speech = await tts.synthesize(text, language);
    return toTelephoneMulaw(speech.audio, speech.format);
  };
  const [stillUk, stillRu, byeUk, byeRu] = await Promise.all([
    speak(PROMPT_TEXTS.stillThere.uk, 'uk'),
    speak(PROMPT_TEXTS.stillThere.ru, 'ru'),
    speak(PROMPT_TEXTS.goodbye.uk, 'uk'),
    speak(PROMPT_TEXTS.goodbye.ru, 'ru'),
  ]);
  return { stillThere: { uk: stillUk, ru: stillRu }, goodbye: { uk: byeUk, ru: byeRu } };
}
