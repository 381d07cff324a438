-- Installation slots for development and tests: three visits a day (09:00, 12:00 and 15:00 Kyiv
-- time), Monday to Saturday, in five cities, from tomorrow for three weeks.
--
-- The dates are taken from now() when the migration runs, so a fresh database always has slots
-- ahead of it. A database migrated long ago keeps only past slots; real schedules come from the
-- installers' planning, not from this seed. Ids repeat the city and local start time, so
-- ON CONFLICT keeps the seed safe to run twice.
INSERT INTO "installation_slots" ("id", "starts_at", "city")
SELECT
  "cities"."slug" || '-' || to_char("days"."day" + "times"."at", 'YYYYMMDD-HH24MI'),
  ("days"."day" + "times"."at") AT TIME ZONE 'Europe/Kyiv',
  "cities"."name"
FROM (VALUES
  ('kyiv', 'Київ'),
  ('lviv', 'Львів'),
  ('odesa', 'Одеса'),
  ('kharkiv', 'Харків'),
  ('dnipro', 'Дніпро')
) AS "cities" ("slug", "name")
-- Zone-less timestamps throughout, so that "day + 09:00" is Kyiv wall-clock time until AT TIME
-- ZONE turns it into an instant; a date argument alone would pick the timestamptz overload.
CROSS JOIN generate_series(
  ((now() AT TIME ZONE 'Europe/Kyiv')::date + 1)::timestamp,
  ((now() AT TIME ZONE 'Europe/Kyiv')::date + 21)::timestamp,
  interval '1 day'
) AS "days" ("day")
CROSS JOIN (VALUES (time '09:00'), (time '12:00'), (time '15:00')) AS "times" ("at")
WHERE extract(isodow FROM "days"."day") < 7
ON CONFLICT ("id") DO NOTHING;
