import { and, desc, eq, gt, sql } from 'drizzle-orm';

import { orders, products } from './schema.js';

import type { Database } from './connect.js';
import type { OrderState, OrderSummary, Product, ShopData } from '../domain/shop.js';
import type { SQL } from 'drizzle-orm';

const ORDER_STATES: ReadonlySet<string> = new Set<OrderState>([
  'new',
  'paid',
  'shipped',
  'delivered',
  'cancelled',
]);

// Ukrainian and Russian case and number endings, longest first so `ого` wins over `о`. Crude on
// purpose: the catalogue is small and lists the usual word forms itself, so cutting an ending and
// matching the rest as a prefix ("пральну" -> "пральн" -> "пральна") is enough.
const ENDINGS = [
  ...['ами', 'ями', 'ого', 'ому', 'его', 'ему', 'ими', 'ыми', 'ої', 'ою', 'ею', 'ій', 'ий'],
  ...['ый', 'ой', 'ая', 'яя', 'ую', 'юю', 'ое', 'ее', 'ів', 'ов', 'ев', 'ах', 'ях', 'ам', 'ям'],
  ...['ом', 'ем', 'их', 'ых', 'а', 'я', 'у', 'ю', 'і', 'и', 'ы', 'е', 'о', 'є', 'ї', 'ь', 'й'],
].sort((a, b) => b.length - a.length);

// Shorter stems start too many unrelated keywords ("ма" of "машина" and "макс").
const MIN_STEM_LENGTH = 3;

// A transcribed phrase can run long; its first words carry the request, and each word adds a
// term to the query.
const MAX_SEARCH_WORDS = 12;

/**
 * The shop's catalogue and orders, read from the database the agent's tools use.
 */
export class DatabaseShopData implements ShopData {
  constructor(private readonly db: Database) {}

  /**
   * Products whose keywords match the most words of the phrase, in stock first among equals.
   * A word of three letters or more matches any keyword that starts with its stem; shorter words
   * ("lg", "тв") must equal a keyword.
   */
  async searchProducts(phrase: string, limit: number): Promise<Product[]> {
    const terms = searchTerms(phrase);
    if (terms.length === 0 || limit <= 0) return [];

    const keywords = sql`(' ' || ${products.keywords} || ' ')`;
    const matches = terms.map((term): SQL<number> => {
      // Terms hold only letters and digits, so they carry no LIKE wildcards to escape.
      const pattern = term.length < MIN_STEM_LENGTH ? `% ${term} %` : `% ${stem(term)}%`;
      return sql<number>`(case when ${keywords} like ${pattern} then 1 else 0 end)`;
    });
    const score = sql<number>`(${sql.join(matches, sql` + `)})`;

    const rows = await this.db
      .select({
        sku: products.sku,
        nameUk: products.nameUk,
        nameRu: products.nameRu,
        priceUah: products.priceUah,
        inStock: products.inStock,
      })
      .from(products)
      .where(gt(score, 0))
      .orderBy(desc(score), desc(sql`${products.inStock} > 0`), products.sku)
      .limit(limit);

    return rows.map((row) => ({
      sku: row.sku,
      name: { uk: row.nameUk, ru: row.nameRu },
      priceUah: Number(row.priceUah),
      inStock: row.inStock,
    }));
  }

  /**
   * The order if it belongs to `callerHash`; an order of another caller reads as absent, so the
   * agent cannot confirm that someone else's order number exists. Spaces, dashes and `№` that a
   * transcript puts into a number are ignored.
   */
  async findOrder(orderNumber: string, callerHash: string): Promise<OrderSummary | undefined> {
    const number = orderNumber.replace(/[\s№#-]/g, '').toUpperCase();
    if (number === '') return undefined;

    const rows = await this.db
      .select()
      .from(orders)
      .where(and(eq(orders.orderNumber, number), eq(orders.callerHash, callerHash)))
      .limit(1);
    const row = rows[0];
    if (row === undefined) return undefined;

    if (!ORDER_STATES.has(row.state)) {
      // The table's check constraint makes this unreachable unless schema and code drift apart.
      throw new Error(`order ${row.orderNumber} has an unknown state: ${row.state}`);
    }
    return {
      orderNumber: row.orderNumber,
      state: row.state as OrderState,
      totalUah: Number(row.totalUah),
      ...(row.expectedDelivery === null ? {} : { expectedDelivery: row.expectedDelivery }),
    };
  }
}

/** Lowercase words of the phrase without punctuation, each once, in the order spoken. */
export function searchTerms(phrase: string): string[] {
  const words = phrase
    .toLowerCase()
    .replace(/ё/g, 'е')
    // An apostrophe sits inside Ukrainian words ("м'ясо"); dropping it keeps the word whole.
    .replace(/['’ʼ`]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 2);
  return [...new Set(words)].slice(0, MAX_SEARCH_WORDS);
}

/** Cuts one Cyrillic case ending off a word, keeping at least MIN_STEM_LENGTH letters. */
export function stem(word: string): string {
  if (!/^\p{Script=Cyrillic}+$/u.test(word)) return word;
  for (const ending of ENDINGS) {
    if (word.endsWith(ending) && word.length - ending.length >= MIN_STEM_LENGTH) {
      return word.slice(0, -ending.length);
    }
  }
  return word;
}
