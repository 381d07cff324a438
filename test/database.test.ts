import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pgSchema, serial, text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { getCall, upsertCall } from '../db/calls-repository.js';
import { DatabaseUnavailableError, MIGRATIONS_FOLDER, openDatabase } from '../db/connect.js';
import { calls, products } from '../db/schema.js';
import { DatabaseShopData } from '../db/shop-repository.js';
import { DEV_CALLER_HASH_SECRET, hashCaller } from '../domain/caller.js';
import { createTestDatabase } from './support/postgres.js';

import type { Database, OpenedDatabase } from '../db/connect.js';
import type { NewCall } from '../db/schema.js';
import type { TestDatabase } from './support/postgres.js';

// drizzle's own bookkeeping table, declared here only to count the migrations it recorded.
const migrationsJournal = pgSchema('drizzle').table('__drizzle_migrations', {
  id: serial('id').primaryKey(),
  hash: text('hash').notNull(),
});

const SEEDED_PRODUCTS = 27;

// A fresh PGlite runs initdb in WebAssembly: 15-25 s on a busy two-core machine.
const PGLITE_TIMEOUT_MS = 120_000;

async function migrationFileCount(): Promise<number> {
  const journal = JSON.parse(
    await readFile(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'),
  ) as { entries: unknown[] };
  return journal.entries.length;
}

async function schemaState(db: Database): Promise<{ migrations: number; products: number }> {
  return { migrations: await db.$count(migrationsJournal), products: await db.$count(products) };
}

describe('opening Postgres', () => {
  const databases: TestDatabase[] = [];

  async function freshDatabase(): Promise<string> {
    const database = await createTestDatabase();
    databases.push(database);
    return database.url;
  }

  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
  });

  it('applies every migration to an empty database, and reopening applies none again', async () => {
    const databaseUrl = await freshDatabase();
    const expected = { migrations: await migrationFileCount(), products: SEEDED_PRODUCTS };

    const first = await openDatabase({ databaseUrl, dataDir: '/nonexistent' });
    expect(first.kind).toBe('postgres');
    expect(await schemaState(first.db)).toEqual(expected);
    await first.close();

    const second = await openDatabase({ databaseUrl, dataDir: '/nonexistent' });
    expect(await schemaState(second.db)).toEqual(expected);
    await second.close();
  });

  it('lets two workers open the same empty database at once', async () => {
    const databaseUrl = await freshDatabase();

    const opened = await Promise.all([
      openDatabase({ databaseUrl, dataDir: '/nonexistent' }),
      openDatabase({ databaseUrl, dataDir: '/nonexistent' }),
    ]);

    for (const { db } of opened) {
      expect(await schemaState(db)).toEqual({
        migrations: await migrationFileCount(),
        products: SEEDED_PRODUCTS,
      });
    }
    await Promise.all(opened.map((database) => database.close()));
  });

  it('names the server but not the password when Postgres is unreachable', async () => {
    const attempt = openDatabase({
      databaseUrl: 'postgres://dzvin:hunter2-secret@127.0.0.1:1/dzvin',
      dataDir: '/nonexistent',
    });

    const error = await attempt.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(String((error as Error).message)).toContain('postgres://dzvin@127.0.0.1:1/dzvin');
    expect(String((error as Error).message)).toContain('ECONNREFUSED');
    expect(String((error as Error).message)).not.toContain('hunter2');
  });
});

describe('opening PGlite', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dzvin-pglite-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'keeps its files in the data folder, migrated once across reopenings',
    async () => {
      const expected = { migrations: await migrationFileCount(), products: SEEDED_PRODUCTS };

      const first = await openDatabase({ dataDir });
      expect(first.kind).toBe('pglite');
      expect(await schemaState(first.db)).toEqual(expected);
      await first.close();
      expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);

      const second = await openDatabase({ dataDir });
      expect(await schemaState(second.db)).toEqual(expected);
      await second.close();
    },
    PGLITE_TIMEOUT_MS,
  );
});

describe('PGlite held by one process', () => {
  it(
    'refuses a second opener while it is open, and forgets a holder that has ended',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'dzvin-pglite-held-'));
      try {
        const first = await openDatabase({ dataDir });
        const second = openDatabase({ dataDir });
        await expect(second).rejects.toThrow(DatabaseUnavailableError);
        await expect(second).rejects.toThrow(`process ${process.pid} has it open`);
        await expect(second).rejects.toThrow('DZVIN_DATA_DIR');
        // The refused opener took nothing: the first still works, and after it closes the
        // folder opens again.
        expect(await schemaState(first.db)).toMatchObject({ products: SEEDED_PRODUCTS });
        await first.close();
        expect(existsSync(join(dataDir, 'pglite.pid'))).toBe(false);

        // A holder that ended without closing (killed) leaves its pid behind.
        const ended = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
        await writeFile(join(dataDir, 'pglite.pid'), ended);
        const again = await openDatabase({ dataDir });
        expect(await schemaState(again.db)).toMatchObject({ products: SEEDED_PRODUCTS });
        await again.close();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    PGLITE_TIMEOUT_MS,
  );
});

// The same scenarios on both backends: the embedded default must behave like production.
describe.each(['postgres', 'pglite'] as const)('shop and calls data on %s', (kind) => {
  let opened: OpenedDatabase;
  let cleanup: () => Promise<void>;
  let shop: DatabaseShopData;

  beforeAll(async () => {
    if (kind === 'postgres') {
      const database = await createTestDatabase();
      opened = await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent' });
      cleanup = () => database.drop();
    } else {
      const dataDir = await mkdtemp(join(tmpdir(), 'dzvin-pglite-'));
      opened = await openDatabase({ dataDir });
      cleanup = () => rm(dataDir, { recursive: true, force: true });
    }
    shop = new DatabaseShopData(opened.db);
  }, PGLITE_TIMEOUT_MS);

  afterAll(async () => {
    await opened.close();
    await cleanup();
  });

  async function skus(phrase: string, limit = 5): Promise<string[]> {
    return (await shop.searchProducts(phrase, limit)).map((product) => product.sku);
  }

  it('finds a Bosch washing machine asked for in Ukrainian with a Cyrillic brand', async () => {
    const [best] = await shop.searchProducts('Мені потрібна пральна машина Бош', 3);

    expect(best).toEqual({
      sku: 'WM-BOSCH-WAN28260UA',
      name: {
        uk: 'Пральна машина Bosch WAN28260UA, 8 кг',
        ru: 'Стиральная машина Bosch WAN28260UA, 8 кг',
      },
      priceUah: 21999,
      inStock: 7,
    });
  });

  it('matches inflected forms the catalogue does not list word for word', async () => {
    // "машин" alone also fits dishwashers ("посудомийна машина"), which rank below.
    const found = await skus('Шукаю пральних машин, підкажіть', 10);
    expect(found.slice(0, 6).every((sku) => sku.startsWith('WM-'))).toBe(true);
    expect(found.slice(6).every((sku) => sku.startsWith('DW-'))).toBe(true);
    expect((await skus('нет ли стиральной машины LG?'))[0]).toBe('WM-LG-F2V5HS0W');
    expect((await skus('есть посудомойка от Электролюкса?'))[0]).toBe('DW-ELECTROLUX-EEM48321L');
    expect((await skus('бойлер Аристон на 80 литров'))[0]).toBe('BO-ARISTON-VELIS-80');
    expect((await skus('Кондиционеры Самсунг есть?'))[0]).toBe('AC-SAMSUNG-AR09TXHQ');
    expect((await skus('телевізора LG OLED'))[0]).toBe('TV-LG-OLED55B4');
    expect((await skus('холодильників Gorenje'))[0]).toBe('FR-GORENJE-NRK6192AW4');
  });

  it('lists products in stock before equal matches that are sold out', async () => {
    const washers = (await shop.searchProducts('пральна машина', 10)).slice(0, 6);

    expect(washers.every((product) => product.sku.startsWith('WM-'))).toBe(true);
    expect(washers.slice(0, 5).every((product) => product.inStock > 0)).toBe(true);
    expect(washers[5]).toMatchObject({ sku: 'WM-LG-F2V5HS0W', inStock: 0 });
  });

  it('returns nothing for a phrase without product words, and honours the limit', async () => {
    expect(await skus('Добрий день, скажіть будь ласка')).toEqual([]);
    expect(await skus('...')).toEqual([]);
    expect(await skus('холодильник', 2)).toHaveLength(2);
  });

  it('shows a caller their own order, however the number is spoken', async () => {
    const caller = hashCaller('050 123 45 67', DEV_CALLER_HASH_SECRET);

    expect(await shop.findOrder('100245', caller)).toEqual({
      orderNumber: '100245',
      state: 'shipped',
      totalUah: 9999,
      expectedDelivery: '2026-12-08',
    });
    expect((await shop.findOrder('№ 100-231', caller))?.state).toBe('delivered');
    expect(await shop.findOrder('100260', caller)).toBeUndefined();
  });

  it("hides another caller's order as if it did not exist", async () => {
    const other = hashCaller('+380671112233', DEV_CALLER_HASH_SECRET);
    const stranger = hashCaller('+380931234567', DEV_CALLER_HASH_SECRET);

    expect(await shop.findOrder('100245', other)).toBeUndefined();
    expect(await shop.findOrder('100245', stranger)).toBeUndefined();
    expect((await shop.findOrder('100260', other))?.expectedDelivery).toBeUndefined();
  });

  it('keeps one call row with the latest figures when completion is persisted twice', async () => {
    const call: NewCall = {
      id: `call-${kind}-1`,
      workflowId: `call-${kind}-1`,
      startedAt: new Date('2026-12-01T10:00:00Z'),
      endedAt: new Date('2026-12-01T10:03:30Z'),
      callerHash: hashCaller('+380501234567', DEV_CALLER_HASH_SECRET),
      language: 'uk',
      sttProvider: 'whisper',
      sttArm: 'whisper',
      llmModels: ['claude-haiku'],
      turns: 4,
      endReason: 'caller-hangup',
      costBreakdown: { stt: '0.001000000' },
      totalCostUsd: '0.001000000',
      pricingVersion: '2026-11',
    };
    await upsertCall(opened.db, call);
    const first = await getCall(opened.db, call.id);

    await upsertCall(opened.db, {
      ...call,
      llmModels: ['claude-haiku', 'claude-sonnet'],
      escalations: 1,
      turns: 6,
      costBreakdown: { stt: '0.002000000', llm: '0.010345678' },
      totalCostUsd: '0.012345678',
    });

    const stored = await getCall(opened.db, call.id);
    expect(await opened.db.$count(calls)).toBe(1);
    expect(stored).toMatchObject({
      totalCostUsd: '0.012345678',
      llmModels: ['claude-haiku', 'claude-sonnet'],
      escalations: 1,
      turns: 6,
      costBreakdown: { stt: '0.002000000', llm: '0.010345678' },
      endedAt: new Date('2026-12-01T10:03:30Z'),
    });
    expect(stored?.createdAt).toEqual(first?.createdAt);
    expect(stored!.updatedAt.getTime()).toBeGreaterThanOrEqual(first!.updatedAt.getTime());
    expect(await getCall(opened.db, 'no-such-call')).toBeUndefined();
  });
});
