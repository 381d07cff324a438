CREATE TABLE "installation_slots" (
	"id" text PRIMARY KEY NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"city" text NOT NULL,
	"booked_by_call" text,
	"booked_at" timestamp with time zone,
	"order_number" text,
	CONSTRAINT "installation_slots_booking_check" CHECK (("installation_slots"."booked_by_call" is null) = ("installation_slots"."booked_at" is null))
);
--> statement-breakpoint
CREATE INDEX "installation_slots_free_idx" ON "installation_slots" USING btree ("city","starts_at") WHERE "installation_slots"."booked_by_call" is null;