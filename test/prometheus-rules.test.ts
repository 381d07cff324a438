import { describe, expect, it } from 'vitest';

import { promtool } from './support/promtool.js';

describe('the cost alert rules', () => {
  it('are valid Prometheus rules', async () => {
    expect(await promtool('check', 'rules', 'alerts.yml')).toContain('SUCCESS: 6 rules found');
  });

  it('page on a tripled spend rate, stay quiet on a normal week and a quiet night, and open a ticket when calls cost twice as much', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  }, 120_000);
});
