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
