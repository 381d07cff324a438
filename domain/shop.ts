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
