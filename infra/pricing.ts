import { readFileSync } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import type { BaselineSetup, PricingSnapshot } from '../domain/pricing.js';
import { REPO_ROOT } from './config.js';

/** The price list in force; a new file is added (never edited) when prices change. */
export const CURRENT_PRICING_FILE = path.join(REPO_ROOT, 'domain', 'pricing', '2026-12-01.json');

const usd = z.number().nonnegative();
const source = z.string().min(1);

const pricingFile = z.object({
  version: z.string().min(1),
  currency: z.literal('USD'),
  stt: z.record(
    z.string(),
    z.object({ usdPerMinute: usd, billingIncrementMs: z.number().int().positive(), source }),
  ),
  llm: z.record(
    z.string(),
    z.object({
      inputUsdPerMTok: usd,
      outputUsdPerMTok: usd,
      cacheWriteUsdPerMTok: usd,
      cacheReadUsdPerMTok: usd,
      source,
    }),
  ),
  tts: z.record(z.string(), z.object({ usdPerMChars: usd, source })),
});

/** Reads and validates a price list; a malformed file fails with the path of each bad field. */
export function loadPricing(file: string = CURRENT_PRICING_FILE): PricingSnapshot {
  const parsed = pricingFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid pricing file ${file}:\n  ${problems.join('\n  ')}`);
  }
  const { currency: _currency, ...snapshot } = parsed.data;
  return snapshot;
}

const baselineSection = z.object({
  baseline: z.object({
    description: source,
    stt: z.string().min(1),
    llmModel: z.string().min(1),
    promptCaching: z.boolean(),
    tts: z.string().min(1),
    ttsCache: z.boolean(),
    source,
  }),
});

/** The price list of a given version, e.g. `2026-12-01` → domain/pricing/2026-12-01.json. */
export function pricingFileFor(version: string): string {
  if (!/^[0-9A-Za-z._-]+$/.test(version)) throw new Error(`not a pricing version: ${version}`);
  return path.join(REPO_ROOT, 'domain', 'pricing', `${version}.json`);
}

/**
 * Reads a price list with its `baseline` section: the counterfactual setup of the savings
 * report. Throws when the section is missing or names a price the list does not have.
 */
export function loadPricingWithBaseline(file: string = CURRENT_PRICING_FILE): {
  pricing: PricingSnapshot;
  baseline: BaselineSetup;
} {
  const pricing = loadPricing(file);
  const parsed = baselineSection.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid pricing file ${file}:\n  ${problems.join('\n  ')}`);
  }
  const { baseline } = parsed.data;
  const missing = [
    pricing.stt[baseline.stt] ? undefined : `stt.${baseline.stt}`,
    pricing.llm[baseline.llmModel] ? undefined : `llm.${baseline.llmModel}`,
    pricing.tts[baseline.tts] ? undefined : `tts.${baseline.tts}`,
  ].filter((key) => key !== undefined);
  if (missing.length > 0) {
    throw new Error(`pricing file ${file}: baseline names unknown prices ${missing.join(', ')}`);
  }
  return { pricing, baseline };
}
