/**
 * Word and character error rates of a transcript against its reference.
 *
 * Normalization, applied to both sides before scoring:
 * - Unicode NFKC, then lower case; Russian `ё` counts as `е` (print usually drops the dots).
 * - Apostrophes (`'`, `’`, `ʼ`, `` ` ``) are one character inside a word (Ukrainian `м'ясо`) and
 *   dropped at a word's edges.
 * - Every other character that is neither a letter nor a digit (punctuation, hyphens, dashes)
 *   separates words: `будь-ласка` is two words, `044 123-45-67` is four.
 * - Digits are kept as written and never spelled out: `3` against `три` is a substitution. Our
 *   references spell numbers the way the speaker said them, so a system that writes digits pays
 *   for it here; compare such systems on references written the same way.
 *
 * WER follows NIST sclite: words are aligned by a minimum-cost edit with sclite's weights
 * (substitution 4, insertion 3, deletion 3), and the errors of that alignment are counted. This is
 * the plain Levenshtein distance in almost every case; the weights only matter when seven or more
 * substitutions compete with a shifted alignment.
 *
 * CER is the plain character edit distance over letters and digits with spaces left out, so a
 * word split or merge (`будь ласка` / `будьласка`) costs nothing there.
 */

/** Edit counts of one transcript, or of a sum of transcripts. */
export interface ErrorCounts {
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Words (WER) or characters (CER) in the reference. */
  referenceLength: number;
}

/** sclite's default alignment weights (sctk `sclite -h`: "-w" defaults, DP costs). */
const SUBSTITUTION_COST = 4;
const INSERTION_COST = 3;
const DELETION_COST = 3;

/** The words of a text after the normalization above. */
export function normalizeWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[’ʼ`´]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .split(' ')
    .map((word) => word.replace(/^'+|'+$/g, ''))
    .filter((word) => word !== '');
}

/** Word errors of `hypothesis` against `reference`, aligned the way sclite aligns them. */
export function wordErrors(reference: string, hypothesis: string): ErrorCounts {
  return align(normalizeWords(reference), normalizeWords(hypothesis), {
    substitution: SUBSTITUTION_COST,
    insertion: INSERTION_COST,
    deletion: DELETION_COST,
  });
}

/** Character errors over letters and digits (spaces and apostrophes left out). */
export function characterErrors(reference: string, hypothesis: string): ErrorCounts {
  const letters = (text: string) => [...normalizeWords(text).join('').replace(/'/g, '')];
  return align(letters(reference), letters(hypothesis), {
    substitution: 1,
    insertion: 1,
    deletion: 1,
  });
}

/**
 * Errors per reference unit (0.25 = 25 %). Against an empty reference, any inserted word counts as
 * 100 %, so one silent clip cannot blow up an average.
 */
export function errorRate(counts: ErrorCounts): number {
  const errors = counts.substitutions + counts.deletions + counts.insertions;
  if (counts.referenceLength === 0) return errors === 0 ? 0 : 1;
  return errors / counts.referenceLength;
}

/** Adds up edit counts; the rate of a sum weighs each transcript by its reference length. */
export function sumErrors(all: readonly ErrorCounts[]): ErrorCounts {
  return all.reduce(
    (sum, counts) => ({
      substitutions: sum.substitutions + counts.substitutions,
      deletions: sum.deletions + counts.deletions,
      insertions: sum.insertions + counts.insertions,
      referenceLength: sum.referenceLength + counts.referenceLength,
    }),
    { substitutions: 0, deletions: 0, insertions: 0, referenceLength: 0 },
  );
}

interface Costs {
  substitution: number;
  insertion: number;
  deletion: number;
}

/**
 * Minimum-cost alignment by dynamic programming. Among alignments of equal cost the one with fewer
 * errors wins, then substitutions are preferred over an insertion-deletion pair.
 */
function align(reference: readonly string[], hypothesis: readonly string[], costs: Costs) {
  const columns = hypothesis.length + 1;
  // Each cell: [cost, errors, substitutions, deletions, insertions].
  let previous: number[][] = Array.from({ length: columns }, (_, j) => [
    j * costs.insertion,
    j,
    0,
    0,
    j,
  ]);
  for (let i = 1; i <= reference.length; i++) {
    const current: number[][] = [[i * costs.deletion, i, 0, i, 0]];
    for (let j = 1; j < columns; j++) {
      const same = reference[i - 1] === hypothesis[j - 1];
      const diagonal = step(
        previous[j - 1]!,
        same ? 0 : costs.substitution,
        same ? 'match' : 'sub',
      );
      const up = step(previous[j]!, costs.deletion, 'del');
      const left = step(current[j - 1]!, costs.insertion, 'ins');
      current.push([diagonal, up, left].reduce((best, cell) => (better(cell, best) ? cell : best)));
    }
    previous = current;
  }
  const [, , substitutions, deletions, insertions] = previous[columns - 1]!;
  return {
    substitutions: substitutions!,
    deletions: deletions!,
    insertions: insertions!,
    referenceLength: reference.length,
  };
}

function step(cell: number[], cost: number, kind: 'match' | 'sub' | 'del' | 'ins'): number[] {
  const [total, errors, sub, del, ins] = cell as [number, number, number, number, number];
  if (kind === 'match') return [total, errors, sub, del, ins];
  return [
    total + cost,
    errors + 1,
    sub + (kind === 'sub' ? 1 : 0),
    del + (kind === 'del' ? 1 : 0),
    ins + (kind === 'ins' ? 1 : 0),
  ];
}

function better(a: number[], b: number[]): boolean {
  if (a[0] !== b[0]) return a[0]! < b[0]!;
  return a[1]! < b[1]!;
}
