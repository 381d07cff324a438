import { sql } from 'drizzle-orm';
import { z } from 'zod';

import type { FeatureFlags } from '../domain/feature-flags.js';
import type { Database } from './connect.js';
import { featureFlags } from './schema.js';

/** The flags operators may set, by the key stored in `feature_flags`, with their validation. */
export const FLAG_SCHEMAS = {
  'stt-provider': z.enum(['google', 'whisper']),
  'whisper-rollout-percent': z.coerce.number().int().min(0).max(100),
  'llm-routing-enabled': z
    .union([z.boolean(), z.enum(['true', 'false'])])
    .transform((value) => value === true || value === 'true'),
} as const;

export type FlagKey = keyof typeof FLAG_SCHEMAS;

export const FLAG_KEYS = Object.keys(FLAG_SCHEMAS) as FlagKey[];

/** Thrown when an operator names an unknown flag or gives it a value outside its range. */
export class FlagValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagValueError';
  }
}

/** Narrows an operator's flag name, or says which names exist. */
export function assertFlagKey(key: string): asserts key is FlagKey {
  if (!Object.hasOwn(FLAG_SCHEMAS, key)) {
    throw new FlagValueError(`unknown flag "${key}"; flags are: ${FLAG_KEYS.join(', ')}`);
  }
}

/** Validates an operator's value for a flag, e.g. `'50'` for the Whisper rollout. */
export function parseFlagValue(key: string, raw: string): string | number | boolean {
  assertFlagKey(key);
  const parsed = FLAG_SCHEMAS[key].safeParse(raw);
  if (!parsed.success) {
    throw new FlagValueError(`bad value "${raw}" for ${key}: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

export async function setFlag(
  db: Database,
  key: FlagKey,
  value: string | number | boolean,
  updatedBy?: string,
): Promise<void> {
  await db
    .insert(featureFlags)
    .values({ key, value, updatedBy })
    .onConflictDoUpdate({
      target: featureFlags.key,
      set: { value, updatedBy: updatedBy ?? null, updatedAt: sql`now()` },
    });
}

export async function clearFlag(db: Database, key: FlagKey): Promise<void> {
  await db.delete(featureFlags).where(sql`${featureFlags.key} = ${key}`);
}

/**
 * The flags in force: stored values over the env defaults. A stored value that no longer
 * validates (edited by hand, say) is ignored in favour of the default rather than failing calls.
 */
export async function readFlags(db: Database, defaults: FeatureFlags): Promise<FeatureFlags> {
  const rows = await db.select().from(featureFlags);
  const stored = new Map(rows.map((row) => [row.key, row.value]));
  const pick = <K extends FlagKey>(key: K) => {
    const raw = stored.get(key);
    if (raw === undefined) return undefined;
    const parsed = FLAG_SCHEMAS[key].safeParse(raw);
    return parsed.success ? (parsed.data as z.output<(typeof FLAG_SCHEMAS)[K]>) : undefined;
  };
  return {
    sttProvider: pick('stt-provider') ?? defaults.sttProvider,
    whisperRolloutPercent: pick('whisper-rollout-percent') ?? defaults.whisperRolloutPercent,
    llmRoutingEnabled: pick('llm-routing-enabled') ?? defaults.llmRoutingEnabled,
  };
}
