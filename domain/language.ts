/** Languages the agent speaks. */
export type Language = 'uk' | 'ru';

export const LANGUAGES: readonly Language[] = ['uk', 'ru'];

const UKRAINIAN_ONLY = /[іїєґ]/giu;
const RUSSIAN_ONLY = /[ыэъё]/giu;

/**
 * Guesses Ukrainian or Russian from letters that only one of the two alphabets has.
 * Returns `fallback` when the text gives no evidence either way (digits, Latin, mixed evenly).
 */
export function detectLanguage(text: string, fallback: Language): Language {
  const uk = text.match(UKRAINIAN_ONLY)?.length ?? 0;
  const ru = text.match(RUSSIAN_ONLY)?.length ?? 0;
  if (uk > ru) return 'uk';
  if (ru > uk) return 'ru';
  return fallback;
}
