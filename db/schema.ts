import { sql } from 'drizzle-orm';
import {
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

// Every timestamp is timestamptz: calls cross midnight and servers run in UTC while the shop
// reads Kyiv time, so a zone-less value would be ambiguous.
const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * One row per finished call, written once by the call workflow on completion (upsert by id, so a
 * retried persistence activity leaves one row).
 */
export const calls = pgTable(
  'calls',
  {
    /** The telephony call id; the workflow id is derived from it. */
    id: text('id').primaryKey(),
    workflowId: text('workflow_id').notNull(),
    startedAt: timestamptz('started_at').notNull(),
    endedAt: timestamptz('ended_at'),
    /** HMAC-SHA256 of the E.164 number (see domain/caller.ts); the number itself is never stored. */
    callerHash: text('caller_hash').notNull(),
    language: text('language').notNull(),
    sttProvider: text('stt_provider').notNull(),
    /** The rollout arm the call was assigned at start, e.g. `whisper` or `google`. */
    sttArm: text('stt_arm'),
    llmModels: text('llm_models')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    escalations: integer('escalations').notNull().default(0),
    turns: integer('turns').notNull().default(0),
    endReason: text('end_reason'),
    /** Cost by component and model as the workflow summed it; its shape belongs to the workflow. */
    costBreakdown: jsonb('cost_breakdown').$type<Record<string, unknown>>().notNull(),
    /**
     * Nine decimal places hold nano-dollars exactly (domain/money.ts); kept as a decimal string
     * in TypeScript so no float ever touches a stored amount.
     */
    totalCostUsd: numeric('total_cost_usd', { precision: 14, scale: 9 }).notNull(),
    /** The pricing snapshot the workflow took at call start, so totals can be re-derived. */
    pricingVersion: text('pricing_version').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [
    index('calls_started_at_idx').on(table.startedAt),
    index('calls_caller_hash_idx').on(table.callerHash),
  ],
);

/**
 * One row per Kyiv calendar day (see domain/kyiv-day.ts for why Kyiv), computed from `calls` by
 * the daily-stats Temporal Schedule. A call counts on the day it started. Re-computing a day
 * replaces its row with the same figures, so the row can always be rebuilt from `calls`.
 */
export const dailyStats = pgTable('daily_stats', {
  day: date('day', { mode: 'string' }).primaryKey(),
  calls: integer('calls').notNull(),
  /** Sums of `calls.total_cost_usd`, exact to the nano-dollar like it. */
  totalCostUsd: numeric('total_cost_usd', { precision: 18, scale: 9 }).notNull(),
  /** Total over calls, rounded to nine places; zero on a day without calls. */
  avgCostUsd: numeric('avg_cost_usd', { precision: 14, scale: 9 }).notNull(),
  /** `{ stt, llm, tts }` as decimal USD strings. */
  costByComponent: jsonb('cost_by_component').$type<Record<string, string>>().notNull(),
  /** Model id → decimal USD string, from each call's `cost_breakdown.llmByModel`. */
  costByModel: jsonb('cost_by_model').$type<Record<string, string>>().notNull(),
  ttsCharacters: integer('tts_characters').notNull(),
  ttsCachedCharacters: integer('tts_cached_characters').notNull(),
  /** Cached over all synthesized characters, 0..1; null on a day that spoke nothing. */
  ttsCacheHitRate: numeric('tts_cache_hit_rate', { precision: 5, scale: 4 }),
  /** Calls that used a simple (Haiku) model at least once; the ids come from configuration. */
  haikuCalls: integer('haiku_calls').notNull(),
  haikuShare: numeric('haiku_share', { precision: 5, scale: 4 }),
  /** Calls transcribed by Whisper (provider `whisper.cpp` or arm `whisper`). */
  whisperCalls: integer('whisper_calls').notNull(),
  whisperShare: numeric('whisper_share', { precision: 5, scale: 4 }),
  computedAt: timestamptz('computed_at').notNull().defaultNow(),
});

/** A `daily_stats` row as read back; amounts are decimal strings as Postgres prints them. */
export type DailyStatsRow = typeof dailyStats.$inferSelect;

/** The catalogue the agent searches while talking to a caller. */
export const products = pgTable(
  'products',
  {
    sku: text('sku').primaryKey(),
    nameUk: text('name_uk').notNull(),
    nameRu: text('name_ru').notNull(),
    /**
     * Space-separated lowercase search words in both languages and their common word forms,
     * brand names in Latin and Cyrillic, without apostrophes (the search strips them too).
     */
    keywords: text('keywords').notNull(),
    priceUah: numeric('price_uah', { precision: 12, scale: 2 }).notNull(),
    inStock: integer('in_stock').notNull().default(0),
  },
  (table) => [check('products_in_stock_check', sql`${table.inStock} >= 0`)],
);

/** Orders the agent may discuss, each tied to the hash of the number that placed it. */
export const orders = pgTable(
  'orders',
  {
    orderNumber: text('order_number').primaryKey(),
    callerHash: text('caller_hash').notNull(),
    state: text('state').notNull(),
    totalUah: numeric('total_uah', { precision: 12, scale: 2 }).notNull(),
    expectedDelivery: date('expected_delivery', { mode: 'string' }),
  },
  (table) => [
    index('orders_caller_hash_idx').on(table.callerHash),
    // Mirrors OrderState in domain/shop.ts so a bad state fails on write, not in a call.
    check(
      'orders_state_check',
      sql`${table.state} in ('new', 'paid', 'shipped', 'delivered', 'cancelled')`,
    ),
  ],
);

/** A stored call row as read back. */
export type CallRow = typeof calls.$inferSelect;
/** What a writer supplies for a call; the database keeps `created_at` and sets `updated_at`. */
export type NewCall = Omit<typeof calls.$inferInsert, 'createdAt' | 'updatedAt'>;

/**
 * Installation visits the agent may book for a caller. A slot is free while `booked_by_call` is
 * null; booking sets it exactly once (db/booking-repository.ts), so two calls racing for one slot
 * cannot both get it.
 */
export const installationSlots = pgTable(
  'installation_slots',
  {
    /** Readable and stable, e.g. `kyiv-20260601-0900`, because the model repeats it back. */
    id: text('id').primaryKey(),
    startsAt: timestamptz('starts_at').notNull(),
    /** The city the installers serve, as the shop names it in Ukrainian ("Київ"). */
    city: text('city').notNull(),
    /** The call that took the slot; null while the slot is free. */
    bookedByCall: text('booked_by_call'),
    bookedAt: timestamptz('booked_at'),
    /** The order the installation belongs to, when the caller named one. */
    orderNumber: text('order_number'),
  },
  (table) => [
    // Free slots of a city in time order are the only query a call makes.
    index('installation_slots_free_idx')
      .on(table.city, table.startsAt)
      .where(sql`${table.bookedByCall} is null`),
    check(
      'installation_slots_booking_check',
      sql`(${table.bookedByCall} is null) = (${table.bookedAt} is null)`,
    ),
  ],
);

/**
 * Run-time switches operators change without a deploy (`npm run flags`). Each call reads them
 * once at its start and keeps them for life; a key missing here falls back to its env default.
 */
export const featureFlags = pgTable('feature_flags', {
  key: text('key').primaryKey(),
  /** JSON value: a string, number or boolean depending on the flag. */
  value: jsonb('value').notNull(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  /** Who changed it, as typed by the operator (`--by`). */
  updatedBy: text('updated_by'),
});
