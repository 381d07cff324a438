import { readFileSync } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import type { PricingSnapshot } from '../domain/pricing.js';
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
