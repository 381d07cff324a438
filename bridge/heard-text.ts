/**
 * The words of a reply spoken within the first `heardMs` of its audio, taking the speech rate
 * as even over the reply. A word is counted once half of its share of the audio has played.
 */
export function heardText(text: string, heardMs: number, replyMs: number): string {
  if (replyMs <= 0 || heardMs <= 0) return '';
  if (heardMs >= replyMs) return text;
  const words = text.split(/\s+/).filter((word) => word.length > 0);
  const count = Math.round((words.length * heardMs) / replyMs);
  return words.slice(0, count).join(' ');
}
