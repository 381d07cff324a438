/**
 * LLM model routing: the caller's first phrase decides whether the call starts on the small,
 * cheap model or the large one. Pure and deterministic, so workflow code may import it.
 *
 * A wrong "simple" costs quality (the small model gets a hard call) while a wrong "complex" only
 * costs money, so every doubt resolves to complex: a complex match outweighs any simple one,
 * several requests are complex, and a phrase the table does not recognise is complex.
 */
import { findOrderNumber, normalizeUtterance } from './intents.js';
import { ROUTING_PATTERNS, SOCIAL_FILLER_WORDS } from './routing-patterns.js';

import type { RouteTier, RoutingPatternGroup, RoutingScenario } from './routing-patterns.js';

export type { RouteTier, RoutingScenario } from './routing-patterns.js';
export { ROUTING_SCENARIOS } from './routing-patterns.js';

/** How a first phrase was routed. */
export interface Route {
  tier: RouteTier;
  scenario: RoutingScenario;
  /** Names of the routing-table groups that matched, in table order; for logs and evaluation. */
  matched: string[];
}

/** Model ids to choose between, and the flag that turns routing off. */
export interface ModelChoice {
  /** When false, every call goes to `complexModel`. */
  routingEnabled: boolean;
  simpleModel: string;
  complexModel: string;
}

/** When several complex scenarios match, the first here names the call. */
const COMPLEX_PRIORITY: readonly RoutingScenario[] = [
  'installation',
  'comparison',
  'new_order',
  'service',
  'technical',
];

/** When only simple requests match, the first here names the call ("оператора по замовленню"). */
const SIMPLE_PRIORITY: readonly RoutingScenario[] = [
  'operator',
  'order_status',
  'price',
  'availability',
];

/** An answer outranks the greeting around it ("Алло, да"). */
const SOCIAL_PRIORITY: readonly RoutingScenario[] = ['yes_no', 'greeting'];

/** Name reported in `matched` when a bare order number made the phrase an order question. */
export const ORDER_NUMBER_MATCH = 'order_number';

/**
 * Classifies the caller's first phrase, in Ukrainian, Russian or a mix of both, as simple or
 * complex and names its scenario for metrics. An empty or unrecognised phrase is `unknown` and
 * complex.
 */
export function routeFirstPhrase(text: string): Route {
  const normalized = normalizeUtterance(text);
  if (normalized === '') return { tier: 'complex', scenario: 'unknown', matched: [] };

  const groups = ROUTING_PATTERNS.filter((group) =>
    group.patterns.some((pattern) => pattern.test(normalized)),
  );
  const matched = groups.map((group) => group.name);
  const requests = groups.filter((group) => group.role === 'request');

  if (isMultiRequest(groups, requests)) {
    return { tier: 'complex', scenario: 'multi_request', matched };
  }

  const complex = firstScenario(COMPLEX_PRIORITY, requests);
  if (complex !== undefined) return { tier: 'complex', scenario: complex, matched };

  const simple = firstScenario(SIMPLE_PRIORITY, requests);
  if (simple !== undefined) return { tier: 'simple', scenario: simple, matched };

  // A number said on its own, or after a greeting, is an order number being dictated.
  if (findOrderNumber(normalized) !== undefined) {
    return { tier: 'simple', scenario: 'order_status', matched: [...matched, ORDER_NUMBER_MATCH] };
  }

  const social = groups.filter((group) => group.role === 'social');
  const scenario = firstScenario(SOCIAL_PRIORITY, social);
  if (scenario !== undefined && onlySocialWords(normalized, social)) {
    return { tier: 'simple', scenario, matched };
  }
  return { tier: 'complex', scenario: 'unknown', matched };
}

/**
 * Picks the model for a call. With routing off every call gets the complex model, which is the
 * behaviour before routing existed.
 */
export function chooseModel(route: Pick<Route, 'tier'>, choice: ModelChoice): string {
  if (!choice.routingEnabled) return choice.complexModel;
  return route.tier === 'simple' ? choice.simpleModel : choice.complexModel;
}

/**
 * Several requests: words that announce them, or a question about an order already placed next
 * to a request of another kind. Stock and price questions about one product stay one request.
 */
function isMultiRequest(
  groups: readonly RoutingPatternGroup[],
  requests: readonly RoutingPatternGroup[],
): boolean {
  if (groups.some((group) => group.role === 'marker')) return true;
  const aboutOrder = requests.some((group) => group.existingOrder === true);
  const other = requests.some(
    (group) => group.existingOrder !== true && group.scenario !== 'operator',
  );
  return aboutOrder && other;
}

/** True when nothing but the matched social words and filler words is left of the phrase. */
function onlySocialWords(normalized: string, social: readonly RoutingPatternGroup[]): boolean {
  let rest = normalized;
  for (const pattern of social.flatMap((group) => group.patterns)) {
    rest = rest.replace(new RegExp(pattern.source, `${pattern.flags}g`), ' ');
  }
  return rest
    .split(' ')
    .filter((word) => word !== '')
    .every((word) => SOCIAL_FILLER_WORDS.has(word));
}

function firstScenario(
  priority: readonly RoutingScenario[],
  groups: readonly RoutingPatternGroup[],
): RoutingScenario | undefined {
  return priority.find((scenario) => groups.some((group) => group.scenario === scenario));
}
