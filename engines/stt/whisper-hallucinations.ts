import { deflateRawSync } from 'node:zlib';

/**
 * Whisper was trained on subtitled video, so on silence, noise or hold music it "hears" the
 * credits and sign-offs of that video. These are the phrases it is known to invent in Ukrainian,
 * Russian and English, matched against a whole sentence after normalization (lower case, ё→е,
 * no punctuation).
 */
const HALLUCINATED_SENTENCES: readonly RegExp[] = [
  // Subtitle credits: "Субтитры сделал DimaTorzok", "Субтитри створювалися спільнотою Amara.org".
  /^субтитр/,
  /^редактор субтитров/,
  /^корректор /,
  /dimatorzok/,
  /amara ?org/,
  // Sign-offs of videos and streams.
  /^(дякую|дякуємо) за (перегляд|переглядання|увагу)( і до зустрічі)?$/,
  /^(спасибо|благодарю|благодарим) за (просмотр|внимание)$/,
  /^продовження (буде|далі|слідує)$/,
  /^продолжение следует$/,
  /^(підписуйтесь|підписуйтеся|подписывайтесь) на (наш )?канал/,
  /^(ставте|ставьте) (лайк|лайки)/,
  /^до (зустрічі|встречи) в (наступному|следующем) (відео|випуску|видео|выпуске)$/,
  /^(thank you|thanks)( (so much|very much))?( for watching)?$/,
  /^please subscribe/,
  /^you$/,
  // Sound descriptions written as words, without brackets: on white noise the base model wrote
  // "ТРЕВОЖНАЯ МУЗЫКА" with a confident log-probability.
  /^((тревожная|спокойная|веселая|грустная|напряженная|торжественная|тривожна|спокійна|весела|сумна|урочиста) )?(музыка|музика)$/,
  /^(аплодисменты|оплески|смех|сміх|тишина|тиша|шум|звуки природы|звуки природи)$/,
];

/** Sound tags: `[BLANK_AUDIO]`, `[Music]`, `(музика)`, `*сміх*`, music notes. */
const SOUND_TAGS = [
  /\[[^\]]*\]/g,
  // Parentheses with digits are kept: "(044) 123-45-67" is a phone number, not a tag.
  /\([^()\d]{1,40}\)/g,
  /\*[^*\d]{1,40}\*/g,
  /[♪♫♬]/g,
];

/**
 * Removes what Whisper produces on non-speech: bracketed sound tags anywhere, and the whole
 * transcript when every sentence in it is a known hallucinated phrase. Real speech that merely
 * contains such a phrase next to other sentences is kept.
 */
export function cleanWhisperText(text: string): string {
  let cleaned = text;
  for (const tag of SOUND_TAGS) cleaned = cleaned.replace(tag, ' ');
  cleaned = cleaned.replace(/\s+/g, ' ').trim();

  const sentences = cleaned
    // A stop inside a word ("Amara.org", "А.Егорова") does not end a sentence.
    .split(/[.!?…]+(?=\s|$)/)
    .map(normalize)
    .filter((sentence) => sentence !== '');
  if (sentences.every((sentence) => HALLUCINATED_SENTENCES.some((p) => p.test(sentence)))) {
    return '';
  }
  return cleaned;
}

function normalize(sentence: string): string {
  return sentence
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The per-segment fields of whisper-server's `verbose_json` that tell speech from invention. */
export interface WhisperSegmentEvidence {
  text?: string;
  /** Mean log-probability of the segment's tokens. */
  avg_logprob?: number;
}

/**
 * whisper.cpp's own `logprob_thold`: a decode below it counts as failed and is retried at a higher
 * temperature, so a segment still below it failed at every temperature. On the 18 recordings of
 * ../shared/audio the base model's segments scored -0.08 to -0.71; on generated white noise it
 * wrote "Хлопồні science." (-4.48) and "Слышь, я не могу." (-1.84). The no-speech probability,
 * OpenAI's other silence signal, stayed below 0.00003 on that noise and tells nothing here.
 */
const FAILED_DECODE_LOGPROB = -1;
/**
 * OpenAI's `compression_ratio_threshold`: text that deflates more than 2.4× is a decoding loop.
 * On white noise the base model wrote "що я не вимагаю" 27 times over (789 bytes, ratio 16.8)
 * with a confident mean log-probability of -0.2, which the rule above cannot catch. The
 * references in ../shared/audio deflate at most 1.5×.
 */
const COMPRESSION_RATIO_THRESHOLD = 2.4;
/** Below this many bytes deflate's own overhead keeps every ratio under 1; nothing to measure. */
const MIN_BYTES_FOR_RATIO = 64;

/** Whether a segment is Whisper's invention rather than speech: a failed decode or a loop. */
export function isHallucinatedSegment(segment: WhisperSegmentEvidence): boolean {
  const failed = (segment.avg_logprob ?? 0) < FAILED_DECODE_LOGPROB;
  return failed || isRepetitionLoop(segment.text ?? '');
}

/** Whether the text repeats itself the way a looping decoder does (deflate ratio above 2.4). */
export function isRepetitionLoop(text: string): boolean {
  const bytes = Buffer.from(text.trim(), 'utf8');
  if (bytes.length < MIN_BYTES_FOR_RATIO) return false;
  return bytes.length / deflateRawSync(bytes).length > COMPRESSION_RATIO_THRESHOLD;
}
