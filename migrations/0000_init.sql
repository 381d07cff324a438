CREATE TABLE "calls" (
	"id" text PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"caller_hash" text NOT NULL,
	"language" text NOT NULL,
	"stt_provider" text NOT NULL,
	"stt_arm" text,
	"llm_models" text[] DEFAULT '{}'::text[] NOT NULL,
	"escalations" integer DEFAULT 0 NOT NULL,
	"turns" integer DEFAULT 0 NOT NULL,
	"end_reason" text,
	"cost_breakdown" jsonb NOT NULL,
	"total_cost_usd" numeric(14, 9) NOT NULL,
	"pricing_version" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"order_number" text PRIMARY KEY NOT NULL,
	"caller_hash" text NOT NULL,
	"state" text NOT NULL,
	"total_uah" numeric(12, 2) NOT NULL,
	"expected_delivery" date,
	CONSTRAINT "orders_state_check" CHECK ("orders"."state" in ('new', 'paid', 'shipped', 'delivered', 'cancelled'))
);
--> statement-breakpoint
CREATE TABLE "products" (
	"sku" text PRIMARY KEY NOT NULL,
	"name_uk" text NOT NULL,
	"name_ru" text NOT NULL,
	"keywords" text NOT NULL,
	"price_uah" numeric(12, 2) NOT NULL,
	"in_stock" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "products_in_stock_check" CHECK ("products"."in_stock" >= 0)
);
--> statement-breakpoint
CREATE INDEX "calls_started_at_idx" ON "calls" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "calls_caller_hash_idx" ON "calls" USING btree ("caller_hash");--> statement-breakpoint
CREATE INDEX "orders_caller_hash_idx" ON "orders" USING btree ("caller_hash");