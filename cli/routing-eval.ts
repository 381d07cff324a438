/**
 * `npm run routing:eval [file.tsv]`: scores the model router on the labelled first phrases and
 * fails when the simple tier's precision drops below the gate.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import {
  evaluateRouting,
  formatEvaluation,
  MIN_SIMPLE_PRECISION,
  parseLabelledPhrases,
} from '../domain/routing-evaluation.js';

const DEFAULT_SET = fileURLToPath(
  new URL('../test/fixtures/routing/first-phrases.tsv', import.meta.url),
);

const path = process.argv[2] ?? DEFAULT_SET;
let evaluation: ReturnType<typeof evaluateRouting>;
try {
  evaluation = evaluateRouting(parseLabelledPhrases(await readFile(path, 'utf8')));
} catch (error) {
  console.error(`routing:eval: ${path}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
console.log(formatEvaluation(evaluation));

const precision = evaluation.byTier.simple.precision;
if (precision < MIN_SIMPLE_PRECISION) {
  console.error(
    `\nSimple precision ${precision.toFixed(3)} is below ${MIN_SIMPLE_PRECISION}: ` +
      'calls the small model cannot handle would be routed to it.',
  );
  process.exitCode = 1;
}
