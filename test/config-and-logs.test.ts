import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';

describe('configuration', () => {
  it('falls back to the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.temporal.address).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.providers).toEqual({ stt: 'whisper', llm: 'fallback', tts: 'espeak' });
  });

  it('names every bad value and how it should look', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'nonsense', REDIS_URL: 'http://x', WHISPER_THREADS: '-2' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/DATABASE_URL: must be a URL like postgres:\/\//);
    expect(message).toMatch(/REDIS_URL: must be a URL like redis:\/\//);
    expect(message).toMatch(/WHISPER_THREADS/);
  });

  it('switches model routing off under either name, and refuses the two names disagreeing', () => {
    expect(loadConfig({}).flagDefaults.llmRoutingEnabled).toBe(true);
    expect(loadConfig({ LLM_ROUTING_ENABLED: 'false' }).flagDefaults.llmRoutingEnabled).toBe(false);
    expect(loadConfig({ FF_LLM_ROUTING_ENABLED: '0' }).flagDefaults.llmRoutingEnabled).toBe(false);
    expect(() =>
      loadConfig({ LLM_ROUTING_ENABLED: 'false', FF_LLM_ROUTING_ENABLED: 'true' }),
    ).toThrow(/LLM_ROUTING_ENABLED: contradicts FF_LLM_ROUTING_ENABLED/);
    expect(() => loadConfig({ LLM_ROUTING_ENABLED: 'off' })).toThrow(ConfigError);
  });

  it('uses Anthropic only when a key is given, unless told otherwise', () => {
    expect(loadConfig({ ANTHROPIC_API_KEY: 'sk-test' }).providers.llm).toBe('anthropic');
    expect(
      loadConfig({ ANTHROPIC_API_KEY: 'sk-test', LLM_PROVIDER: 'fallback' }).providers.llm,
    ).toBe('fallback');
  });
});

describe('logs', () => {
  function capture(pii: boolean) {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'info', pii, process: 'test', destination });
    return { logger, lines };
  }

  it('never print phone numbers or transcripts kept under pii keys', () => {
    const { logger, lines } = capture(false);
    logger.info(
      { callId: 'c1', pii: { caller: '+380501234567', transcript: 'Де моє замовлення?' } },
      'turn transcribed',
    );
    logger.child({ component: 'whisper' }).warn({ pii: { raw: 'Дякую за перегляд' } }, 'dropped');

    const output = lines.join('');
    expect(output).toContain('turn transcribed');
    expect(output).toContain('"callId":"c1"');
    expect(output).not.toContain('380501234567');
    expect(output).not.toContain('замовлення');
    expect(output).not.toContain('перегляд');
    expect(output).toContain('[redacted]');
  });

  it('show them on a developer machine that opts in', () => {
    const { logger, lines } = capture(true);
    logger.info({ pii: { caller: '+380501234567' } }, 'turn transcribed');
    expect(lines.join('')).toContain('+380501234567');
  });
});
