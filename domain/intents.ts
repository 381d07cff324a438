/**
 * What a caller wants, recognized from one phrase by patterns for Ukrainian, Russian and the
 * Surzhyk between them. Pure and deterministic: workflow code may import it.
 */
import type { Language } from './language.js';
import { isNumberWord, spokenDigits } from './spoken-numbers.js';

/** Intents the fallback dialog understands. */
export type Intent =
  | 'greeting'
  | 'order_status'
  | 'availability'
  | 'price'
  | 'operator'
  | 'goodbye'
  | 'thanks'
  | 'yes'
  | 'no'
  /** The phrase holds no words at all (speech-to-text heard nothing). */
  | 'empty'
  | 'unknown';

/** Patterns of one intent; `language` is set when they are typical of one language only. */
export interface IntentPatterns {
  intent: Intent;
  language?: Language;
  /** Tested against `normalizeUtterance(text)`: lower case, no apostrophes, ё → е. */
  patterns: readonly RegExp[];
}

export interface IntentMatch {
  intent: Intent;
  /** Digits of the order number the caller named; only for `order_status`. */
  orderNumber?: string;
  /** The language the matching words belong to, when they belong to one only. */
  language?: Language;
}

/**
 * Only the last this many characters of a phrase are matched. A minute of speech is about 1,000
 * characters; the cut keeps matching cheap on hostile input, and keeps the end because a caller
 * who rambles tends to put the actual request last.
 */
export const MAX_CLASSIFIED_CHARS = 1000;

/** Order numbers are 3 to 12 digits; shorter runs are quantities ("два холодильники"). */
const ORDER_DIGITS = { min: 3, max: 12 };

/**
 * Builds a pattern of whole words. In `source`, `~` stands for the rest of a word, so a stem
 * such as `замовлен~` matches every case ending.
 */
function words(source: string): RegExp {
  const body = source.replaceAll('~', '\\p{L}*');
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${body})(?![\\p{L}\\p{N}])`, 'u');
}

/** "Не треба оператора" must not read as a request for one. */
const NOT = '(?<!(?:не|без) (?:треба |потрібно |потрібен |надо |нужно |нужен |хочу )?)';

/** The table of intents. Order inside the table does not matter; `INTENT_PRIORITY` decides. */
export const INTENT_PATTERNS: readonly IntentPatterns[] = [
  { intent: 'operator', patterns: [words(`${NOT}(?:оператор~|менеджер~|консультант~|переключ~)`)] },
  {
    intent: 'operator',
    language: 'uk',
    patterns: [
      words(`${NOT}(?:людин~|з ?[єе]дна~|перемкн~|перевед[іи]ть|поклич~|спец[іи]ал[іи]ст~)`),
      words('поговорити з кимось|живий~'),
    ],
  },
  {
    intent: 'operator',
    language: 'ru',
    patterns: [words(`${NOT}(?:человек~|соедин~|переведите|позовите|позови|специалист~)`)],
  },

  {
    intent: 'order_status',
    patterns: [
      words('(?<!(?:зробити|оформити|сделать|оформить) )заказ(?:а|у|ом|е|ы|ов|ик|ал~|ыв~)?'),
      words('статус~|трек~|ордер~|ттн'),
    ],
  },
  {
    intent: 'order_status',
    language: 'uk',
    patterns: [
      words('(?<!(?:зробити|оформити) )замовлен~|замовля[вл]~|замовив~|замовил~'),
      words('де (?:моє|мій|моя|мої)|коли (?:привезуть|доставлять|прийде)'),
      words('посилк~|відправлен~|в[іи]дстеж~|накладн~'),
    ],
  },
  {
    intent: 'order_status',
    language: 'ru',
    patterns: [
      words('где (?:мой|моя|мои)|когда (?:привезут|доставят|придет)'),
      words('посылк~|отправлен~|отслед~|накладн~'),
    ],
  },

  {
    intent: 'price',
    language: 'uk',
    patterns: [
      words('ц[іи]н(?:а|у|и|ою|і)?|вартіст~|варт(?:ує|ують)|кошту~|почому|по чому'),
      words('ск[іо]льки|ск[іо]ко|сто[їі]ть'),
    ],
  },
  {
    intent: 'price',
    language: 'ru',
    patterns: [words('цен(?:а|у|ы|ой|е)?|стоимост~|стоит|стоят|почем|по чем|сколько|скока|скоко')],
  },

  {
    intent: 'availability',
    patterns: [
      words('прода~|купит~|купл~|мясорубк~|мультиварк~|блендер~|чайник~|бойлер~|фен(?:а|у|ом)?'),
      words('холод[иі]льн~|телев[иі]зор~|плит(?:а|у|и|ою|ка|ку)|духов~|кондиц[иі]онер~'),
      words('samsung|самсунг~|lg|bosch|бош~|philips|ф[иі]л[иі]пс~|tefal|тефал~|electrolux'),
    ],
  },
  {
    intent: 'availability',
    language: 'uk',
    patterns: [
      words('наявн~|(?:чи|у вас|в вас) (?:є|[єе]сть)|є у вас|ма[єе]те|придбат~|шука[юєю]~'),
      words('(?<!не )потр[іе]бн~|(?:зробити|оформити) замовлен~|замовити'),
      words('пральн~|посудомий~|м[іи]крохвил~|пилосос~|праск~|кавоварк~|кавомашин~|витяжк~'),
    ],
  },
  {
    intent: 'availability',
    language: 'ru',
    patterns: [
      words('наличи~|есть ли|у вас есть|есть у вас|име[ею]т~|приобрест~|ищу|ищем'),
      words('(?<!не )нужн~|(?<!не )нужен|(?:сделать|оформить) заказ|заказать'),
      words('стиральн~|посудомо~|микроволн~|пылесос~|утюг~|кофеварк~|кофемашин~|вытяжк~'),
    ],
  },

  { intent: 'goodbye', patterns: [words('пока(?! (?:что|що|нет|не|ні))|па па')] },
  {
    intent: 'goodbye',
    language: 'uk',
    patterns: [
      words('до ?побачен~|до ?свідан~|бувай~|до зустр[іи]ч~|всього (?:доброго|найкращого)'),
      words('на все добре|прощава~|гарного (?:вам )?дня|це вс[еі]'),
    ],
  },
  {
    intent: 'goodbye',
    language: 'ru',
    patterns: [
      words('до ?свидан~|всего (?:доброго|хорошего|наилучшего)|прощай~|до встреч~'),
      words('хорошего (?:вам )?дня'),
      words('(?:это|на этом) все'),
    ],
  },

  { intent: 'no', patterns: [words('не хочу|неа')] },
  { intent: 'no', language: 'uk', patterns: [words('ні|ніт|нєт|не (?:треба|потр[іе]бно|варто)')] },
  { intent: 'no', language: 'ru', patterns: [words('нет|не (?:надо|нужно|стоит)')] },

  { intent: 'thanks', patterns: [words('мерс[иі]')] },
  { intent: 'thanks', language: 'uk', patterns: [words('дяку~|дяк(?:а|с)|вдячн~|спас[иі]бі')] },
  { intent: 'thanks', language: 'ru', patterns: [words('благодар~|спс|спасибо')] },

  { intent: 'yes', patterns: [words('да|ага|угу|ок|окей|ок[іи]|ok|okay|давай~')] },
  {
    intent: 'yes',
    language: 'uk',
    patterns: [words('так|звісно|звичайно|авжеж|гаразд|добре|можна')],
  },
  { intent: 'yes', language: 'ru', patterns: [words('конечно|хорошо|ладно|можно|разумеется')] },

  { intent: 'greeting', patterns: [words('здра(?:вств|ст|сьт)~|ал+[оеьі]|хелоу|hello')] },
  {
    intent: 'greeting',
    language: 'uk',
    patterns: [
      words('пр[иі]в[іи]т~|добр(?:ий|ого) (?:день|дня|ранок|ранку|в[еі]ч[іе]р|вечора)'),
      words('добридень|доброго здоровя|в[іи]таю|здоровенькі~'),
    ],
  },
  {
    intent: 'greeting',
    language: 'ru',
    patterns: [
      words('пр[иеі]вет~|добр(?:ый|ое|ого) (?:день|дня|утро|утра|вечер|вечера)|приветству~'),
    ],
  },
];

/**
 * When a phrase matches several intents, the first here wins: a request for a human beats
 * everything, a concrete question beats politeness ("Добрий день, де моє замовлення?"), and a
 * refusal beats thanks ("Ні, дякую" closes the question asked).
 */
export const INTENT_PRIORITY: readonly Intent[] = [
  'operator',
  'order_status',
  'price',
  'availability',
  'goodbye',
  'no',
  'thanks',
  'yes',
  'greeting',
];

/** Intents that a named order number overrides ("Так, номер 12345" asks about an order). */
const WEAK_INTENTS: ReadonlySet<Intent> = new Set(['yes', 'no', 'thanks', 'greeting', 'unknown']);

/**
 * Cleans a phrase for matching: cut to its last `MAX_CLASSIFIED_CHARS`, markup and speech-to-text noise
 * tags ("[BLANK_AUDIO]", "(музика)") dropped, lower case, ё → е, apostrophes removed (callers and
 * engines write "п'ять", "пʼять" and "пять"), a Latin "i" typed inside a Cyrillic word made
 * Cyrillic, and everything but letters and digits turned into single spaces.
 */
export function normalizeUtterance(text: string): string {
  return text
    .slice(-MAX_CLASSIFIED_CHARS)
    .replace(/<[^>]*>|\[[^\]]*\]|\([^)]*\)/gu, ' ')
    .toLowerCase()
    .replaceAll('ё', 'е')
    .replace(/['’ʼ`´‘]/gu, '')
    .replace(/(?<=\p{Script=Cyrillic})i|i(?=\p{Script=Cyrillic})/gu, 'і')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Finds the first order number in a normalized phrase: digits, possibly split into groups
 * ("12 345"), or number words ("дванадцять триста сорок п'ять" → "12345").
 */
export function findOrderNumber(normalized: string): string | undefined {
  const candidates: string[] = [];
  let digits = '';
  let spoken: string[] = [];

  const closeSpoken = (): void => {
    if (spoken.length > 0) digits += spokenDigits(spoken) ?? '';
    spoken = [];
  };
  const closeRun = (): void => {
    closeSpoken();
    if (digits !== '') candidates.push(digits);
    digits = '';
  };

  for (const token of normalized.split(' ')) {
    if (/^\p{Nd}+$/u.test(token)) {
      closeSpoken();
      digits += token;
    } else if (isNumberWord(token)) {
      spoken.push(token);
    } else {
      closeRun();
    }
  }
  closeRun();

  return candidates.find((run) => run.length >= ORDER_DIGITS.min && run.length <= ORDER_DIGITS.max);
}

/**
 * Recognizes what the caller wants from one phrase. Returns `empty` when the phrase has no
 * words and `unknown` when no pattern matches; `orderNumber` is set only for `order_status`.
 */
export function classifyIntent(text: string): IntentMatch {
  const normalized = normalizeUtterance(text);
  if (normalized === '') return { intent: 'empty' };

  const matching = INTENT_PATTERNS.filter((entry) =>
    entry.patterns.some((p) => p.test(normalized)),
  );
  const intent = INTENT_PRIORITY.find((i) => matching.some((entry) => entry.intent === i));
  const language = matching.find((entry) => entry.intent === intent && entry.language)?.language;
  const orderNumber = findOrderNumber(normalized);

  if (orderNumber !== undefined && (intent === undefined || WEAK_INTENTS.has(intent))) {
    return { intent: 'order_status', orderNumber, ...(language ? { language } : {}) };
  }
  if (intent === undefined) return { intent: 'unknown' };
  return {
    intent,
    ...(intent === 'order_status' && orderNumber !== undefined ? { orderNumber } : {}),
    ...(language ? { language } : {}),
  };
}
