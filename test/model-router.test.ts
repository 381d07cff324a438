import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { chooseModel, ORDER_NUMBER_MATCH, routeFirstPhrase } from '../domain/model-router.js';
import {
  evaluateRouting,
  LabelledSetError,
  MIN_SIMPLE_PRECISION,
  parseLabelledPhrases,
} from '../domain/routing-evaluation.js';
import { ROUTING_PATTERNS, ROUTING_SCENARIOS } from '../domain/routing-patterns.js';

const LABELLED_SET = new URL('./fixtures/routing/first-phrases.tsv', import.meta.url);

const MODELS = { simpleModel: 'claude-haiku', complexModel: 'claude-sonnet' };

describe('the labelled first phrases', () => {
  it('route to the small model with at least the required precision', async () => {
    const phrases = parseLabelledPhrases(await readFile(LABELLED_SET, 'utf8'));
    const evaluation = evaluateRouting(phrases);

    expect(phrases.length).toBeGreaterThanOrEqual(150);
    expect(
      evaluation.byTier.simple.precision,
      evaluation.wrongTier.map((miss) => miss.expected.phrase).join('\n'),
    ).toBeGreaterThanOrEqual(MIN_SIMPLE_PRECISION);
    // Routing that sends nothing to Haiku would pass the precision gate and save nothing.
    expect(evaluation.simpleShare).toBeGreaterThan(0.3);
  });

  it('are roughly half simple and half complex, in both languages', async () => {
    const phrases = parseLabelledPhrases(await readFile(LABELLED_SET, 'utf8'));
    const share = phrases.filter((phrase) => phrase.tier === 'simple').length / phrases.length;

    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
    for (const language of ['uk', 'ru', 'mixed'] as const) {
      expect(phrases.some((phrase) => phrase.language === language)).toBe(true);
    }
  });

  it('name the bad line when a row is malformed', () => {
    const tsv =
      'phrase\tlanguage\ttier\tscenario\tnote\nТак\tuk\tsimple\tyes_no\t\nНі\tuk\teasy\tyes_no\t';

    expect(() => parseLabelledPhrases(tsv)).toThrow(LabelledSetError);
    expect(() => parseLabelledPhrases(tsv)).toThrow('line 3: bad tier "easy"');
  });
});

describe('routing a first phrase', () => {
  it('sends a question about an order, with its number spoken in words, to the small model', () => {
    expect(
      routeFirstPhrase('Добрий день, замовлення сто двадцять три, коли привезуть?'),
    ).toMatchObject({ tier: 'simple', scenario: 'order_status' });
    expect(routeFirstPhrase('заказ номер пятьсот')).toMatchObject({
      tier: 'simple',
      scenario: 'order_status',
    });
  });

  it('reads a number dictated on its own as an order number', () => {
    const route = routeFirstPhrase("сто двадцять три сорок п'ять");

    expect(route).toMatchObject({ tier: 'simple', scenario: 'order_status' });
    expect(route.matched).toContain(ORDER_NUMBER_MATCH);
  });

  it('sends a greeting, a bare answer and a request for a human to the small model', () => {
    expect(routeFirstPhrase('Алло, добрий день')).toMatchObject({
      tier: 'simple',
      scenario: 'greeting',
    });
    expect(routeFirstPhrase('Нет, спасибо')).toMatchObject({ tier: 'simple', scenario: 'yes_no' });
    expect(routeFirstPhrase('Оператора')).toMatchObject({ tier: 'simple', scenario: 'operator' });
  });

  it('keeps a stock-and-price question about one product simple', () => {
    expect(routeFirstPhrase('Чи є Bosch в наявності і скільки коштує?')).toMatchObject({
      tier: 'simple',
      scenario: 'price',
    });
  });

  it('sends a phrase that matches both a simple and a complex scenario to the large model', () => {
    const route = routeFirstPhrase('Сколько стоит установка стиральной машины?');

    expect(route).toMatchObject({ tier: 'complex', scenario: 'installation' });
    expect(route.matched).toEqual(expect.arrayContaining(['price', 'installation']));
  });

  it('treats an order question next to another request as several requests', () => {
    expect(routeFirstPhrase('Де моє замовлення, і скільки коштує чайник?')).toMatchObject({
      tier: 'complex',
      scenario: 'multi_request',
    });
  });

  it('does not take a "yes" word at the start of a question for an answer', () => {
    expect(routeFirstPhrase('Можна розплатитися частинами?').tier).toBe('complex');
    expect(routeFirstPhrase('Так, у мене тут така ситуація з сусідом').tier).toBe('complex');
  });

  it('sends comparisons and technical questions to the large model', () => {
    expect(routeFirstPhrase('що краще bosch чи electrolux')).toMatchObject({
      tier: 'complex',
      scenario: 'comparison',
    });
    expect(routeFirstPhrase('сколько децибел шумит')).toMatchObject({
      tier: 'complex',
      scenario: 'technical',
    });
  });

  it('sends an empty or unrecognised phrase to the large model as unknown', () => {
    expect(routeFirstPhrase('')).toEqual({ tier: 'complex', scenario: 'unknown', matched: [] });
    expect(routeFirstPhrase('[BLANK_AUDIO]')).toMatchObject({ scenario: 'unknown' });
    expect(routeFirstPhrase('Я по объявлению')).toMatchObject({
      tier: 'complex',
      scenario: 'unknown',
    });
  });
});

describe('choosing the model', () => {
  it('gives simple calls the small model and complex ones the large model', () => {
    expect(chooseModel({ tier: 'simple' }, { routingEnabled: true, ...MODELS })).toBe(
      'claude-haiku',
    );
    expect(chooseModel({ tier: 'complex' }, { routingEnabled: true, ...MODELS })).toBe(
      'claude-sonnet',
    );
  });

  it('gives every call the large model when routing is off', () => {
    const route = routeFirstPhrase('Де моє замовлення?');

    expect(route.tier).toBe('simple');
    expect(chooseModel(route, { routingEnabled: false, ...MODELS })).toBe('claude-sonnet');
  });
});

describe('the routing table', () => {
  it('names each group once and uses only known scenarios', () => {
    const names = ROUTING_PATTERNS.map((group) => group.name);

    expect(new Set(names).size).toBe(names.length);
    for (const group of ROUTING_PATTERNS) {
      expect(ROUTING_SCENARIOS).toContain(group.scenario);
      expect(group.patterns.length).toBeGreaterThan(0);
    }
  });
});
