/** Text made safe to hand to a synthesizer, and how much of the original survived. */
export interface SpeechText {
  text: string;
  /** True when the text was cut to the character limit. */
  truncated: boolean;
  /** Length of the input in code points, before cleaning and cutting. */
  originalCharacters: number;
}

// C0 and C1 controls (tabs and newlines included), DEL, and the Unicode line separators:
// eSpeak reads Ctrl-A as the start of an embedded command, so none of them may reach it.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu;
// Zero-width and bidirectional formatting marks: invisible, and never meant to be spoken.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SENTENCE_END = /[.!?…](?=\s)/gu;

/**
 * Cleans text for a synthesizer that must speak it literally: control characters become
 * spaces, invisible marks go, whitespace collapses, and `[[` (eSpeak's phoneme-input switch) is
 * split so that it is read as brackets. Markup such as SSML is left as characters, so it is
 * spoken, never obeyed.
 *
 * Text longer than `maxCharacters` is cut at the last sentence end before the limit (else at
 * the last space, else at the limit): a caller hears whole sentences instead of an error, and
 * `truncated` lets the engine log it. Returns an empty `text` when nothing speakable is left.
 */
export function prepareSpeechText(input: string, maxCharacters: number): SpeechText {
  const originalCharacters = [...input].length;
  const cleaned = input
    .replace(LONE_SURROGATE, '')
    .normalize('NFC')
    .replace(CONTROLS, ' ')
    .replace(INVISIBLE, '')
    .replace(/\[(?=\[)/g, '[ ')
    .replace(/\s+/gu, ' ')
    .trim();

  const codePoints = [...cleaned];
  if (codePoints.length <= maxCharacters) {
    return { text: cleaned, truncated: false, originalCharacters };
  }
  return { text: cutAtBoundary(codePoints, maxCharacters), truncated: true, originalCharacters };
}

function cutAtBoundary(codePoints: string[], maxCharacters: number): string {
  // Look one character past the limit so that a sentence ending exactly at it still counts.
  const window = codePoints.slice(0, maxCharacters + 1).join('');
  let sentenceEnd = -1;
  for (const match of window.matchAll(SENTENCE_END)) sentenceEnd = match.index + match[0].length;
  if (sentenceEnd > 0) return window.slice(0, sentenceEnd).trim();

  // A space right after the limit still ends a whole word.
  const lastSpace = window.lastIndexOf(' ');
  if (lastSpace > 0) return window.slice(0, lastSpace).trim();
  return codePoints.slice(0, maxCharacters).join('');
}
