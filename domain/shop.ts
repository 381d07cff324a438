import type { Language } from './language.js';

export interface Product {
  sku: string;
  name: Record<Language, string>;
  priceUah: number;
  inStock: number;
}

export type OrderState = 'new' | 'paid' | 'shipped' | 'delivered' | 'cancelled';

export interface OrderSummary {
  orderNumber: string;
  state: OrderState;
  totalUah: number;
  /** ISO date (YYYY-MM-DD) of the expected delivery, when known. */
  expectedDelivery?: string;
}

/** What the agent may read of the shop. Orders are visible only to the number they belong to. */
export interface ShopData {
  /** Products whose name matches words of the caller's phrase, best match first. */
  searchProducts(phrase: string, limit: number): Promise<Product[]>;
  /** The order with this number if, and only if, it is tied to the calling number's hash. */
  findOrder(orderNumber: string, callerHash: string): Promise<OrderSummary | undefined>;
}

/** A visit of the installers that a caller can book. */
export interface InstallationSlot {
  slotId: string;
  /** ISO 8601 instant; a string so it crosses activity and workflow boundaries unchanged. */
  startsAt: string;
  /** The city as the shop names it in Ukrainian, e.g. "Київ". */
  city: string;
}

/**
 * Why a booking failed: another call holds the slot, no slot has that id, or the slot has
 * already started.
 */
export type SlotBookingFailure = 'taken' | 'unknown-slot' | 'past';

export type SlotBookingResult =
  { ok: true; slot: InstallationSlot } | { ok: false; reason: SlotBookingFailure };

/**
 * Installation booking for the agent's tools. Kept apart from ShopData so that implementations of
 * the catalogue need not change.
 */
export interface BookingData {
  /** Free slots in `city` starting after `from` (default: now), earliest first. */
  listFreeSlots(query: { city: string; from?: Date; limit: number }): Promise<InstallationSlot[]>;
  /**
   * Takes the slot for the call. Exactly one of several calls racing for a slot succeeds; the
   * same call booking it again succeeds again, so a retried activity does not report "taken".
   */
  bookSlot(request: {
    slotId: string;
    callId: string;
    orderNumber?: string;
  }): Promise<SlotBookingResult>;
}
