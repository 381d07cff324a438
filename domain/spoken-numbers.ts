/**
 * Numbers that callers say in words, as speech-to-text often writes them: "дванадцять триста
 * сорок п'ять", "один два три", "сорок две тысячи". Pure; safe to import from workflow code.
 */

type NumberWordKind = 'unit' | 'teen' | 'ten' | 'hundred' | 'thousand';

interface NumberWord {
  kind: NumberWordKind;
  value: number;
}

/** Word forms after `normalizeSpokenText`-style cleaning: lower case, no apostrophes, ё → е. */
const NUMBER_WORDS: ReadonlyArray<readonly [NumberWordKind, number, readonly string[]]> = [
  ['unit', 0, ['нуль', 'ноль']],
  ['unit', 1, ['один', 'одна', 'одне', 'одно']],
  ['unit', 2, ['два', 'дві', 'две']],
  ['unit', 3, ['три']],
  ['unit', 4, ['чотири', 'четыре']],
  ['unit', 5, ['пять']],
  ['unit', 6, ['шість', 'шесть']],
  ['unit', 7, ['сім', 'семь']],
  ['unit', 8, ['вісім', 'восемь']],
  ['unit', 9, ['девять']],
  ['teen', 10, ['десять']],
  ['teen', 11, ['одинадцять', 'одиннадцать']],
  ['teen', 12, ['дванадцять', 'двенадцать']],
  ['teen', 13, ['тринадцять', 'тринадцать']],
  ['teen', 14, ['чотирнадцять', 'четырнадцать']],
  ['teen', 15, ['пятнадцять', 'пятнадцать']],
  ['teen', 16, ['шістнадцять', 'шестнадцать']],
  ['teen', 17, ['сімнадцять', 'семнадцать']],
  ['teen', 18, ['вісімнадцять', 'восемнадцать']],
  ['teen', 19, ['девятнадцять', 'девятнадцать']],
  ['ten', 20, ['двадцять', 'двадцать']],
  ['ten', 30, ['тридцять', 'тридцать']],
  ['ten', 40, ['сорок']],
  ['ten', 50, ['пятдесят', 'пятьдесят']],
  ['ten', 60, ['шістдесят', 'шестьдесят']],
  ['ten', 70, ['сімдесят', 'семьдесят']],
  ['ten', 80, ['вісімдесят', 'восемьдесят']],
  ['ten', 90, ['девяносто']],
  ['hundred', 100, ['сто']],
  ['hundred', 200, ['двісті', 'двести']],
  ['hundred', 300, ['триста']],
  ['hundred', 400, ['чотириста', 'четыреста']],
  ['hundred', 500, ['пятсот', 'пятьсот']],
  ['hundred', 600, ['шістсот', 'шестьсот']],
  ['hundred', 700, ['сімсот', 'семьсот']],
  ['hundred', 800, ['вісімсот', 'восемьсот']],
  ['hundred', 900, ['девятсот', 'девятьсот']],
  ['thousand', 1000, ['тисяча', 'тисячі', 'тисяч', 'тысяча', 'тысячи', 'тысяч']],
];

const WORD_LOOKUP: ReadonlyMap<string, NumberWord> = new Map(
  NUMBER_WORDS.flatMap(([kind, value, forms]) => forms.map((form) => [form, { kind, value }])),
);

/** Which kinds may follow each kind inside one spoken group ("сто двадцять три" is one group). */
const CONTINUES: Record<NumberWordKind, readonly NumberWordKind[]> = {
  hundred: ['ten', 'teen', 'unit'],
  ten: ['unit'],
  teen: [],
  unit: [],
  thousand: [],
};

/**
 * Turns a run of number words into digits. Groups said one after another are concatenated, the
 * way people dictate codes ("двадцять три сорок п'ять" → "2345", "один два три" → "123"); a run
 * with "тисяча" is read as one quantity ("дві тисячі п'ятсот" → "2500").
 * Returns undefined when the run holds no number word.
 */
export function spokenDigits(words: readonly string[]): string | undefined {
  const parsed = words.map((word) => WORD_LOOKUP.get(word));
  if (parsed.length === 0 || parsed.some((word) => word === undefined)) return undefined;
  const run = parsed as NumberWord[];

  if (run.some((word) => word.kind === 'thousand')) return String(quantityOf(run));

  const groups: number[] = [];
  let previous: NumberWord | undefined;
  for (const word of run) {
    const last = groups.length - 1;
    if (previous !== undefined && CONTINUES[previous.kind].includes(word.kind)) {
      groups[last] = (groups[last] ?? 0) + word.value;
    } else {
      groups.push(word.value);
    }
    previous = word;
  }
  return groups.join('');
}

/** Reads "дві тисячі п'ятсот" as 2500: groups before "тисяча" count thousands. */
function quantityOf(run: readonly NumberWord[]): number {
  let total = 0;
  let group = 0;
  for (const word of run) {
    if (word.kind === 'thousand') {
      total += (group === 0 ? 1 : group) * 1000;
      group = 0;
    } else {
      group += word.value;
    }
  }
  return total + group;
}

/** True when the cleaned word is a number word in Ukrainian or Russian. */
export function isNumberWord(word: string): boolean {
  return WORD_LOOKUP.has(word);
}
