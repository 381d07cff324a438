import { and, asc, gte, lte, sql } from 'drizzle-orm';

import { KYIV_TIME_ZONE } from '../domain/kyiv-day.js';
import { dailyStats } from './schema.js';

import type { Database } from './connect.js';
import type { DailyStatsRow } from './schema.js';

/** Who counts as a Whisper call: the provider that served it, or the arm it was assigned. */
export const WHISPER_STT_PROVIDER = 'whisper.cpp';
export const WHISPER_STT_ARM = 'whisper';

/**
 * Computes one Kyiv day's figures from `calls` in a single statement and writes them over the
 * day's row. Calls count on the day they started; the day's bounds are Kyiv midnights, so the
 * days of the summer-time changes have 23 and 25 hours. `simpleModels` are the model ids routing
 * picks for simple calls (Haiku); a call that used any of them counts towards `haikuShare`.
 * Running it again for the same day and the same calls leaves the same row.
 */
export async function aggregateDay(
  db: Database,
  day: string,
  simpleModels: readonly string[],
): Promise<DailyStatsRow> {
  const simple = sql`array[${sql.join(
    simpleModels.map((model) => sql`${model}`),
    sql`, `,
  )}]::text[]`;
  await db.execute(sql`
    with bounds as (
      select (${day}::date::timestamp at time zone ${KYIV_TIME_ZONE}) as starts,
             ((${day}::date + 1)::timestamp at time zone ${KYIV_TIME_ZONE}) as ends
    ),
    day_calls as (
      select c.* from calls c, bounds b where c.started_at >= b.starts and c.started_at < b.ends
    ),
    totals as (
      select
        count(*)::int as calls,
        coalesce(sum(total_cost_usd), 0) as total,
        coalesce(sum((cost_breakdown -> 'components' ->> 'stt')::numeric), 0) as stt,
        coalesce(sum((cost_breakdown -> 'components' ->> 'llm')::numeric), 0) as llm,
        coalesce(sum((cost_breakdown -> 'components' ->> 'tts')::numeric), 0) as tts,
        coalesce(sum((cost_breakdown -> 'usage' ->> 'ttsCharacters')::bigint), 0) as chars,
        coalesce(sum((cost_breakdown -> 'usage' ->> 'ttsCachedCharacters')::bigint), 0) as cached,
        count(*) filter (where llm_models && ${simple})::int as haiku,
        count(*) filter (
          where stt_provider = ${WHISPER_STT_PROVIDER} or stt_arm = ${WHISPER_STT_ARM}
        )::int as whisper
      from day_calls
    ),
    models as (
      select coalesce(jsonb_object_agg(model, total::text), '{}'::jsonb) as by_model
      from (
        select m.key as model, sum(m.value::numeric)::numeric(18, 9) as total
        from day_calls, jsonb_each_text(cost_breakdown -> 'llmByModel') m
        group by m.key
      ) per_model
    )
    insert into daily_stats (
      day, calls, total_cost_usd, avg_cost_usd, cost_by_component, cost_by_model,
      tts_characters, tts_cached_characters, tts_cache_hit_rate,
      haiku_calls, haiku_share, whisper_calls, whisper_share, computed_at
    )
    select
      ${day}::date, t.calls, t.total,
      case when t.calls = 0 then 0 else round(t.total / t.calls, 9) end,
      jsonb_build_object(
        'stt', t.stt::numeric(18, 9)::text,
        'llm', t.llm::numeric(18, 9)::text,
        'tts', t.tts::numeric(18, 9)::text
      ),
      m.by_model,
      t.chars, t.cached,
      case when t.chars = 0 then null else round(t.cached::numeric / t.chars, 4) end,
      t.haiku, case when t.calls = 0 then null else round(t.haiku::numeric / t.calls, 4) end,
      t.whisper, case when t.calls = 0 then null else round(t.whisper::numeric / t.calls, 4) end,
      now()
    from totals t, models m
    on conflict (day) do update set
      calls = excluded.calls,
      total_cost_usd = excluded.total_cost_usd,
      avg_cost_usd = excluded.avg_cost_usd,
      cost_by_component = excluded.cost_by_component,
      cost_by_model = excluded.cost_by_model,
      tts_characters = excluded.tts_characters,
      tts_cached_characters = excluded.tts_cached_characters,
      tts_cache_hit_rate = excluded.tts_cache_hit_rate,
      haiku_calls = excluded.haiku_calls,
      haiku_share = excluded.haiku_share,
      whisper_calls = excluded.whisper_calls,
      whisper_share = excluded.whisper_share,
      computed_at = excluded.computed_at
  `);
  const rows = await listDailyStats(db, day, day);
  if (!rows[0]) throw new Error(`daily_stats has no row for ${day} right after writing it`);
  return rows[0];
}

/** The stored rows of the days from `from` to `to`, both included, oldest first. */
export async function listDailyStats(
  db: Database,
  from: string,
  to: string,
): Promise<DailyStatsRow[]> {
  return db
    .select()
    .from(dailyStats)
    .where(and(gte(dailyStats.day, from), lte(dailyStats.day, to)))
    .orderBy(asc(dailyStats.day));
}
