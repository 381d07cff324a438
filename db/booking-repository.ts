import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';

import { installationSlots } from './schema.js';

import type { Database } from './connect.js';
import type { BookingData, InstallationSlot, SlotBookingResult } from '../domain/shop.js';

/** What `listFreeSlots` looks for. */
export interface FreeSlotQuery {
  /** Matched without regard to case or surrounding spaces: "київ" finds "Київ". */
  city: string;
  /** Only slots starting after this instant; defaults to now. */
  from?: Date;
  limit: number;
}

/** A booking request; `callId` is the telephony call id the workflow id derives from. */
export interface SlotBookingRequest {
  slotId: string;
  callId: string;
  orderNumber?: string;
}

/** Free installation slots in a city, earliest first. */
export async function listFreeSlots(
  db: Database,
  query: FreeSlotQuery,
): Promise<InstallationSlot[]> {
  const city = query.city.trim().toLowerCase();
  if (city === '' || query.limit <= 0) return [];

  const rows = await db
    .select({
      id: installationSlots.id,
      startsAt: installationSlots.startsAt,
      city: installationSlots.city,
    })
    .from(installationSlots)
    .where(
      and(
        isNull(installationSlots.bookedByCall),
        eq(sql`lower(${installationSlots.city})`, city),
        gt(installationSlots.startsAt, query.from ?? new Date()),
      ),
    )
    .orderBy(asc(installationSlots.startsAt), asc(installationSlots.id))
    .limit(query.limit);
  return rows.map(toSlot);
}

/**
 * Takes a slot for a call. One conditional UPDATE does it: Postgres re-checks the WHERE clause
 * of a row another transaction has just changed, so of several calls racing for one free slot
 * exactly one updates it and the rest update nothing. The call that already holds the slot
 * matches again and succeeds, which makes a retried activity safe.
 */
export async function bookSlot(
  db: Database,
  request: SlotBookingRequest,
): Promise<SlotBookingResult> {
  const now = new Date();
  const booked = await db
    .update(installationSlots)
    .set({
      bookedByCall: request.callId,
      // A retry by the holder keeps the first booking time and any order number already stored.
      bookedAt: sql`coalesce(${installationSlots.bookedAt}, ${now.toISOString()}::timestamptz)`,
      orderNumber: sql`coalesce(${request.orderNumber ?? null}, ${installationSlots.orderNumber})`,
    })
    .where(
      and(
        eq(installationSlots.id, request.slotId),
        gt(installationSlots.startsAt, now),
        or(
          isNull(installationSlots.bookedByCall),
          eq(installationSlots.bookedByCall, request.callId),
        ),
      ),
    )
    .returning({
      id: installationSlots.id,
      startsAt: installationSlots.startsAt,
      city: installationSlots.city,
    });
  const slot = booked[0];
  if (slot !== undefined) return { ok: true, slot: toSlot(slot) };

  // Nothing updated: say why, for the agent to tell the caller.
  const existing = await db
    .select({ startsAt: installationSlots.startsAt })
    .from(installationSlots)
    .where(eq(installationSlots.id, request.slotId))
    .limit(1);
  const row = existing[0];
  if (row === undefined) return { ok: false, reason: 'unknown-slot' };
  return { ok: false, reason: row.startsAt <= now ? 'past' : 'taken' };
}

/** Installation booking backed by the database, for the agent's tools. */
export class DatabaseBookingData implements BookingData {
  constructor(private readonly db: Database) {}

  listFreeSlots(query: FreeSlotQuery): Promise<InstallationSlot[]> {
    return listFreeSlots(this.db, query);
  }

  bookSlot(request: SlotBookingRequest): Promise<SlotBookingResult> {
    return bookSlot(this.db, request);
  }
}

function toSlot(row: { id: string; startsAt: Date; city: string }): InstallationSlot {
  return { slotId: row.id, startsAt: row.startsAt.toISOString(), city: row.city };
}
