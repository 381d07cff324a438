import type { Language } from './language.js';

/** What one speech-to-text request consumed. */
export interface SttUsage {
  provider: string;
  /** Seconds of audio the provider charges for (after its rounding), in milliseconds. */
  billedAudioMs: number;
  audioMs: number;
}

/** What one model call consumed, by token kind. */
export interface LlmUsage {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
}

/** What one text-to-speech synthesis consumed. */
export interface TtsUsage {
  provider: string;
  voice: string;
  /** The provider's price tier for this voice (e.g. `standard`, `neural2`), when it has tiers. */
  voiceTier?: string;
  characters: number;
  cached: boolean;
}

export interface Transcript {
  text: string;
  language: Language;
  /** 0..1 when the engine reports it. */
  confidence?: number;
}
