import { createHash } from 'node:crypto';

import type { Language } from '../../domain/language.js';
import type { TtsVoiceSettings } from '../types.js';

/**
 * Bumped when the key recipe or the stored entry layout changes, so that entries written by an
 * older build are never read by a newer one.
 */
const KEY_SCHEMA = 'tts-cache-v1';

// eslint-disable-next-line no-control-regex -- control characters are spoken as spaces
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu;
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;
// Ukrainian writes its apostrophe three ways (', ’, ʼ); all are the same silent mark.
const SINGLE_QUOTES = /[‘’‚‛ʼ′`´]/gu;
const DOUBLE_QUOTES = /[“”„‟«»″]/gu;
// A Cyrillic word in title case ("Вітаю", "Добрый"). Synthesizers read it exactly as the
// lowercase word; capitals elsewhere (LG, ТВ, Bosch, WAN28260UA) may be spelled out or read as a
// brand, so they keep their case.
const TITLE_CASE_CYRILLIC =
  /(?<![\p{L}\p{N}'])([А-ЯЁЄІЇҐ])((?:[а-яёєіїґ]|'(?=[а-яёєіїґ]))+)(?![\p{L}\p{N}])/gu;

/**
 * The text as a cache key sees it: Unicode NFC, controls and runs of whitespace as one space,
 * invisible marks dropped, typographic quotes and apostrophes made plain, and title-case
 * Cyrillic words lowercased. Every change here leaves the spoken audio as it was.
 */
export function normalizeCacheText(text: string): string {
  return text
    .normalize('NFC')
    .replace(CONTROLS, ' ')
    .replace(INVISIBLE, '')
    .replace(SINGLE_QUOTES, "'")
    .replace(DOUBLE_QUOTES, '"')
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(
      TITLE_CASE_CYRILLIC,
      (_word, first: string, rest: string) => `${first.toLowerCase()}${rest}`,
    );
}

/** Everything that decides the audio of one synthesis. */
export interface TtsCacheIdentity {
  provider: string;
  language: Language;
  settings: TtsVoiceSettings;
  promptVersion: string;
  /** Already normalized with {@link normalizeCacheText}. */
  normalizedText: string;
}

/** SHA-256 (hex) over the identity in a fixed field order, so equal identities hash equal. */
export function ttsCacheDigest(identity: TtsCacheIdentity): string {
  const { settings } = identity;
  const extra = Object.entries(settings.extra ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const canonical = JSON.stringify([
    KEY_SCHEMA,
    identity.provider,
    identity.language,
    settings.voice,
    settings.voiceTier ?? null,
    settings.format.encoding,
    settings.format.sampleRateHz,
    settings.format.channels,
    settings.speakingRate ?? null,
    settings.pitch ?? null,
    extra,
    identity.promptVersion,
    identity.normalizedText,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The Redis keys of one cache entry. */
export interface TtsCacheKeys {
  audio: string;
  /** Held while one worker synthesizes the entry, so that others wait instead. */
  lock: string;
  /** How often a reply too long to cache at once was produced within the TTL. */
  seen: string;
}

/**
 * Keys live under `dzvin:<deployment>:tts:` so that deployments can share one Redis. The digest
 * sits in a hash tag, which puts an entry's three keys in one Redis Cluster slot, as the
 * scripts that touch them together require.
 */
export function ttsCacheKeys(deployment: string, digest: string): TtsCacheKeys {
  const base = `${ttsCacheKeyPrefix(deployment)}{${digest}}`;
  return { audio: `${base}:audio`, lock: `${base}:lock`, seen: `${base}:seen` };
}

/** The prefix of every key the TTS cache of `deployment` writes. */
export function ttsCacheKeyPrefix(deployment: string): string {
  return `dzvin:${deployment}:tts:`;
}
