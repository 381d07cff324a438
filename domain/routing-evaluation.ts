/**
 * Measures the model router against labelled first phrases: precision and recall per tier, the
 * confusion matrix, scenario accuracy and the share of calls the small model would take.
 */
import { routeFirstPhrase } from './model-router.js';
import { ROUTING_SCENARIOS } from './routing-patterns.js';

import type { Route, RouteTier, RoutingScenario } from './model-router.js';

/** Languages of the labelled set; `mixed` is Surzhyk or a phrase switching languages. */
export type PhraseLanguage = 'uk' | 'ru' | 'mixed';

/** One row of the labelled set. */
export interface LabelledPhrase {
  phrase: string;
  language: PhraseLanguage;
  tier: RouteTier;
  scenario: RoutingScenario;
  note: string;
  /** 1-based line in the source file, for error messages and the report. */
  line: number;
}

/** Thrown when the labelled set is malformed; `line` is 1-based. */
export class LabelledSetError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'LabelledSetError';
  }
}

export interface TierScores {
  precision: number;
  recall: number;
  /** How many phrases were labelled with this tier. */
  support: number;
}

export interface Misroute {
  expected: LabelledPhrase;
  actual: Route;
}

export interface RoutingEvaluation {
  total: number;
  byTier: Record<RouteTier, TierScores>;
  /** `confusion[expected][actual]`: counts of phrases. */
  confusion: Record<RouteTier, Record<RouteTier, number>>;
  /** Share of phrases whose scenario was named right, tier right or not. */
  scenarioAccuracy: number;
  /** Share of phrases routed to the simple model. */
  simpleShare: number;
  /** Phrases routed to the wrong tier. */
  wrongTier: Misroute[];
  /** Phrases routed to the right tier but named with another scenario. */
  wrongScenario: Misroute[];
}

/**
 * The least simple-tier precision that passes. Every wrong "simple" hands a hard call to the
 * small model, so the gate allows one such call in twenty.
 */
export const MIN_SIMPLE_PRECISION = 0.95;

const COLUMNS = ['phrase', 'language', 'tier', 'scenario', 'note'] as const;
const LANGUAGES: ReadonlySet<string> = new Set<PhraseLanguage>(['uk', 'ru', 'mixed']);
const TIERS: ReadonlySet<string> = new Set<RouteTier>(['simple', 'complex']);
const SCENARIOS: ReadonlySet<string> = new Set<string>(ROUTING_SCENARIOS);

/**
 * Parses the labelled set: tab-separated, a header row naming the columns phrase, language, tier,
 * scenario, note; blank lines are skipped. Throws LabelledSetError on a malformed row.
 */
export function parseLabelledPhrases(tsv: string): LabelledPhrase[] {
  const lines = tsv.split(/\r?\n/);
  const header = lines[0]?.split('\t') ?? [];
  if (COLUMNS.some((column, index) => header[index] !== column)) {
    throw new LabelledSetError(1, `the header must be: ${COLUMNS.join(', ')} (tab-separated)`);
  }

  const phrases: LabelledPhrase[] = [];
  lines.slice(1).forEach((text, index) => {
    const line = index + 2;
    if (text.trim() === '') return;
    const [phrase = '', language = '', tier = '', scenario = '', note = ''] = text.split('\t');
    if (phrase.trim() === '') throw new LabelledSetError(line, 'the phrase is empty');
    if (!LANGUAGES.has(language)) throw new LabelledSetError(line, `bad language "${language}"`);
    if (!TIERS.has(tier)) throw new LabelledSetError(line, `bad tier "${tier}"`);
    if (!SCENARIOS.has(scenario)) throw new LabelledSetError(line, `bad scenario "${scenario}"`);
    phrases.push({
      phrase,
      language: language as PhraseLanguage,
      tier: tier as RouteTier,
      scenario: scenario as RoutingScenario,
      note,
      line,
    });
  });
  return phrases;
}

/** Routes every phrase and scores the result against its labels. */
export function evaluateRouting(
  phrases: readonly LabelledPhrase[],
  route: (text: string) => Route = routeFirstPhrase,
): RoutingEvaluation {
  const confusion: RoutingEvaluation['confusion'] = {
    simple: { simple: 0, complex: 0 },
    complex: { simple: 0, complex: 0 },
  };
  const wrongTier: Misroute[] = [];
  const wrongScenario: Misroute[] = [];
  let scenariosRight = 0;

  for (const expected of phrases) {
    const actual = route(expected.phrase);
    confusion[expected.tier][actual.tier] += 1;
    if (actual.scenario === expected.scenario) scenariosRight += 1;
    if (actual.tier !== expected.tier) wrongTier.push({ expected, actual });
    else if (actual.scenario !== expected.scenario) wrongScenario.push({ expected, actual });
  }

  const total = phrases.length;
  return {
    total,
    byTier: { simple: scores('simple', confusion), complex: scores('complex', confusion) },
    confusion,
    scenarioAccuracy: ratio(scenariosRight, total),
    simpleShare: ratio(confusion.simple.simple + confusion.complex.simple, total),
    wrongTier,
    wrongScenario,
  };
}

/** A plain-text report for people: scores, the confusion matrix and every misroute. */
export function formatEvaluation(evaluation: RoutingEvaluation): string {
  const { byTier, confusion } = evaluation;
  const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
  const row = (tier: RouteTier): string =>
    `  ${tier.padEnd(8)} precision ${percent(byTier[tier].precision).padStart(6)}` +
    `  recall ${percent(byTier[tier].recall).padStart(6)}  (${byTier[tier].support} labelled)`;
  const misroute = ({ expected, actual }: Misroute): string =>
    `  line ${String(expected.line).padStart(3)}: ${expected.phrase}\n` +
    `      expected ${expected.tier}/${expected.scenario}, got ${actual.tier}/${actual.scenario}` +
    ` [${actual.matched.join(', ')}]`;

  return [
    `Routing evaluation on ${evaluation.total} labelled first phrases`,
    '',
    row('simple'),
    row('complex'),
    '',
    'Confusion matrix (rows: expected, columns: routed)',
    `  ${''.padEnd(8)} ${'simple'.padStart(7)} ${'complex'.padStart(7)}`,
    ...(['simple', 'complex'] as const).map(
      (tier) =>
        `  ${tier.padEnd(8)} ${String(confusion[tier].simple).padStart(7)} ` +
        `${String(confusion[tier].complex).padStart(7)}`,
    ),
    '',
    `Scenario accuracy: ${percent(evaluation.scenarioAccuracy)}`,
    `Calls routed to the simple model (Haiku): ${percent(evaluation.simpleShare)}`,
    '',
    `Wrong tier (${evaluation.wrongTier.length}):`,
    ...evaluation.wrongTier.map(misroute),
    '',
    `Right tier, other scenario (${evaluation.wrongScenario.length}):`,
    ...evaluation.wrongScenario.map(misroute),
  ].join('\n');
}

function scores(tier: RouteTier, confusion: RoutingEvaluation['confusion']): TierScores {
  const other: RouteTier = tier === 'simple' ? 'complex' : 'simple';
  const truePositives = confusion[tier][tier];
  const routedHere = truePositives + confusion[other][tier];
  const support = truePositives + confusion[tier][other];
  // No phrase routed to a tier means no wrong one either: precision 1, as scikit-learn's
  // zero_division=1 would report, so an empty class does not fail the precision gate.
  return {
    precision: routedHere === 0 ? 1 : truePositives / routedHere,
    recall: ratio(truePositives, support),
    support,
  };
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
