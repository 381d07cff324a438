import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bookSlot, DatabaseBookingData, listFreeSlots } from '../db/booking-repository.js';
import { openDatabase } from '../db/connect.js';
import * as schema from '../db/schema.js';
import { installationSlots } from '../db/schema.js';
import { createTestDatabase } from './support/postgres.js';

import type { Database, OpenedDatabase } from '../db/connect.js';
import type { TestDatabase } from './support/postgres.js';

const RACERS = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

describe('installation booking on Postgres', () => {
  let database: TestDatabase;
  let opened: OpenedDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase();
    opened = await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent' });
    db = opened.db;
  });

  afterAll(async () => {
    await opened?.close();
    await database?.drop();
  });

  it('offers seeded slots of the coming days, earliest first, in any letter case', async () => {
    const slots = await listFreeSlots(db, { city: '  київ ', limit: 5 });

    expect(slots).toHaveLength(5);
    expect(slots.every((slot) => slot.city === 'Київ')).toBe(true);
    const starts = slots.map((slot) => Date.parse(slot.startsAt));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(starts[0]).toBeGreaterThan(Date.now());
    expect(starts[0]).toBeLessThan(Date.now() + 3 * DAY_MS);
    // Installers start at 09:00, 12:00 and 15:00 in Kyiv.
    const kyivHours = slots.map((slot) =>
      new Date(slot.startsAt).toLocaleString('en-GB', { timeZone: 'Europe/Kyiv', hour: '2-digit' }),
    );
    expect(new Set(kyivHours)).toEqual(new Set(['09', '12', '15']));
  });

  it('offers nothing in a city the installers do not serve', async () => {
    expect(await listFreeSlots(db, { city: 'Ужгород', limit: 5 })).toEqual([]);
  });

  it('gives a slot to exactly one of twenty calls racing for it', async () => {
    const [slot] = await listFreeSlots(db, { city: 'Львів', limit: 1 });
    if (slot === undefined) throw new Error('the seed has no slot in Львів');

    // Each racer gets its own connection (plus one to hold the lock, one to watch), and a held
    // row lock lines them all up on the slot, so every UPDATE is in flight when it is released.
    const pool = new pg.Pool({ connectionString: database.url, max: RACERS + 2 });
    const racers = drizzle({ client: pool, schema });
    const blocker = await pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from installation_slots where id = $1 for update', [
        slot.slotId,
      ]);
      const attempts = Array.from({ length: RACERS }, (_, index) =>
        bookSlot(racers, { slotId: slot.slotId, callId: `call-${index}` }),
      );
      await waitForLockWaiters(pool, RACERS);
      await blocker.query('commit');
      const results = await Promise.all(attempts);

      const winners = results.flatMap((result, index) => (result.ok ? [`call-${index}`] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((result) => !result.ok)).toEqual(
        Array.from({ length: RACERS - 1 }, () => ({ ok: false, reason: 'taken' })),
      );
      const [row] = await db
        .select()
        .from(installationSlots)
        .where(eq(installationSlots.id, slot.slotId));
      expect(row?.bookedByCall).toBe(winners[0]);
      expect(row?.bookedAt).toBeInstanceOf(Date);
    } finally {
      blocker.release();
      await pool.end();
    }

    const stillFree = await listFreeSlots(db, { city: 'Львів', limit: 100 });
    expect(stillFree.map((free) => free.slotId)).not.toContain(slot.slotId);
  });

  it('confirms a retried booking to the same call, keeping its first details', async () => {
    const booking = new DatabaseBookingData(db);
    const [slot] = await booking.listFreeSlots({ city: 'Одеса', limit: 1 });
    if (slot === undefined) throw new Error('the seed has no slot in Одеса');

    const first = await booking.bookSlot({
      slotId: slot.slotId,
      callId: 'call-retry',
      orderNumber: '10482',
    });
    const retried = await booking.bookSlot({ slotId: slot.slotId, callId: 'call-retry' });
    const other = await booking.bookSlot({ slotId: slot.slotId, callId: 'call-other' });

    expect(first).toEqual({ ok: true, slot });
    expect(retried).toEqual({ ok: true, slot });
    expect(other).toEqual({ ok: false, reason: 'taken' });
    const [row] = await db
      .select()
      .from(installationSlots)
      .where(eq(installationSlots.id, slot.slotId));
    expect(row?.orderNumber).toBe('10482');
  });

  it('refuses a slot id that does not exist and a slot that has already started', async () => {
    await db.insert(installationSlots).values({
      id: 'kyiv-20200101-0900',
      startsAt: new Date('2020-01-01T07:00:00Z'),
      city: 'Київ',
    });

    expect(await bookSlot(db, { slotId: 'kyiv-19990101-0900', callId: 'call-a' })).toEqual({
      ok: false,
      reason: 'unknown-slot',
    });
    expect(await bookSlot(db, { slotId: 'kyiv-20200101-0900', callId: 'call-a' })).toEqual({
      ok: false,
      reason: 'past',
    });
    const listed = await listFreeSlots(db, { city: 'Київ', from: new Date(0), limit: 1 });
    expect(listed[0]?.slotId).toBe('kyiv-20200101-0900');
    expect(await listFreeSlots(db, { city: 'Київ', limit: 1 })).not.toContainEqual(listed[0]);
  });
});

/**
 * Waits until `count` sessions of the test database wait for a lock. Asked on a connection of its
 * own: inside the lock holder's transaction pg_stat_activity would show one frozen snapshot. Only
 * the first racer waits for the holder itself; the others queue behind it for the row.
 */
async function waitForLockWaiters(pool: pg.Pool, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = await pool.query<{ waiting: number }>(
      `select count(*)::int as waiting from pg_stat_activity
       where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if ((result.rows[0]?.waiting ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${count} sessions waited on the lock`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
