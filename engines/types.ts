import type { AudioFormat } from '../domain/audio.js';
import type { Language } from '../domain/language.js';
import type { LlmUsage, SttUsage, Transcript, TtsUsage } from '../domain/usage.js';

/** Recognizes one utterance. Engines take 16 kHz mono PCM unless they say otherwise. */
export interface SpeechToText {
  readonly provider: string;
  transcribe(
    audio: Buffer,
    format: AudioFormat,
    hint: { language: Language },
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
}

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
  }): Promise<AgentReply>;
}

export interface SynthesizedSpeech {
  audio: Buffer;
  format: AudioFormat;
  durationMs: number;
  usage: TtsUsage;
}

export interface TextToSpeech {
  readonly provider: string;
  synthesize(text: string, language: Language): Promise<SynthesizedSpeech>;
}
