CREATE TABLE "daily_stats" (
	"day" date PRIMARY KEY NOT NULL,
	"calls" integer NOT NULL,
	"total_cost_usd" numeric(18, 9) NOT NULL,
	"avg_cost_usd" numeric(14, 9) NOT NULL,
	"cost_by_component" jsonb NOT NULL,
	"cost_by_model" jsonb NOT NULL,
	"tts_characters" integer NOT NULL,
	"tts_cached_characters" integer NOT NULL,
	"tts_cache_hit_rate" numeric(5, 4),
	"haiku_calls" integer NOT NULL,
	"haiku_share" numeric(5, 4),
	"whisper_calls" integer NOT NULL,
	"whisper_share" numeric(5, 4),
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
