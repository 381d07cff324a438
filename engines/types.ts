import type { AudioFormat } from '../domain/audio.js';
import type { Language } from '../domain/language.js';
import type { LlmUsage, SttUsage, Transcript, TtsUsage } from '../domain/usage.js';

/**
 * What the call knows of the caller's language: the one it speaks in now, and whether the
 * caller has been heard yet. Until then an engine that must be told a language (Whisper)
 * detects it instead of assuming the call's default.
 */
export interface LanguageHint {
  language: Language;
  detect?: boolean;
}

/** Recognizes one utterance. Engines take 16 kHz mono PCM unless they say otherwise. */
export interface SpeechToText {
  readonly provider: string;
  transcribe(
    audio: Buffer,
    format: AudioFormat,
    hint: LanguageHint,
  ): Promise<{ transcript: Transcript; usage: SttUsage }>;
}

export interface DialogMessage {
  role: 'caller' | 'agent';
  text: string;
}

export interface AgentReply {
  text: string;
  language: Language;
  /** True when the agent hands the caller to a human operator. */
  transfer: boolean;
  /** True when the agent ends the call after this reply. */
  endCall: boolean;
  usage: LlmUsage;
  /**
   * Set when a model that may escalate could not give a usable reply: the turn is to be run
   * again on the complex model. `text` is then not meant for the caller.
   */
  escalation?: { reason: EscalationReason };
}

/** Why a turn left the simple model for the complex one. */
export type EscalationReason =
  | 'simple-model-failed'
  | 'asked-to-escalate'
  | 'empty-reply'
  | 'wrong-language'
  | 'malformed-tool-call'
  | 'forbidden-tool';

/** Writes the agent's reply to the conversation so far. */
export interface ReplyGenerator {
  readonly provider: string;
  reply(input: {
    callId: string;
    language: Language;
    history: readonly DialogMessage[];
    model: string;
    /** Hash of the calling number; orders are looked up only for it. Absent for hidden numbers. */
    callerHash?: string;
    /**
     * The model runs as the cheap tier: it may hand the turn to the complex model (an
     * `escalate_to_expert` tool), and a reply it botches comes back as an escalation.
     */
    canEscalate?: boolean;
  }): Promise<AgentReply>;
}

export interface SynthesizedSpeech {
  audio: Buffer;
  format: AudioFormat;
  durationMs: number;
  usage: TtsUsage;
}

/**
 * Everything besides the text that changes what a voice sounds like. Two requests with equal
 * settings and equal text must give the same audio, so a cache may key on these.
 */
export interface TtsVoiceSettings {
  voice: string;
  /** The provider's price tier for the voice (e.g. `neural2`), when it has tiers. */
  voiceTier?: string;
  format: AudioFormat;
  /** Provider units as configured (words per minute, or a 1.0-based factor). */
  speakingRate?: number;
  pitch?: number;
  /** Any other setting that reaches the audio (engine version, text limit, effects profile). */
  extra?: Record<string, string | number | boolean>;
}

export interface TextToSpeech {
  readonly provider: string;
  synthesize(text: string, language: Language): Promise<SynthesizedSpeech>;
  /**
   * The settings `synthesize` would use for `language`. Engines without it are never cached:
   * a cache could not tell when their audio changes.
   */
  voiceSettings?(language: Language): TtsVoiceSettings;
}
