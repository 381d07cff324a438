import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

import type { AudioRef } from '../domain/audio.js';
import type { CostBreakdown } from '../domain/cost-ledger.js';
import type { Language } from '../domain/language.js';
import type { LlmUsage, SttUsage, Transcript, TtsUsage } from '../domain/usage.js';

/** Task queue of the CPU worker: Google STT, LLM, TTS, persistence. */
export const CALLS_TASK_QUEUE = 'calls';

/** Task queue of the workers that keep a Whisper model loaded (GPU, or CPU when embedded). */
export const WHISPER_TASK_QUEUE = 'stt-whisper';

/** The workflow id of a call; one call id always maps to one workflow. */
export function callWorkflowId(callId: string): string {
  return `call-${callId}`;
}

export interface CallInput {
  /** The telephony provider's call id (or one made up by the demo). */
  callId: string;
  /** HMAC of the caller's number (see domain/caller.ts); never the number itself. */
  callerHash?: string;
  /** The language the call starts in; each caller phrase may switch it. */
  language: Language;
}

export interface TurnInput {
  audio: AudioRef;
}

export interface TurnResult {
  /** 1-based number of this turn within the call. */
  turn: number;
  transcript: Transcript;
  reply: {
    text: string;
    language: Language;
    audio: AudioRef;
    transfer: boolean;
    endCall: boolean;
  };
  /** Which way the turn went: STT arm and any fallback, the model and any escalation. */
  route?: {
    sttArm: 'whisper' | 'google';
    sttFallback?: string;
    model: string;
    escalation?: string;
    /** The model provider was out of service (why), and the built-in dialog answered. */
    llmOutage?: string;
  };
  /** Processing time of each stage as measured by its activity, and the whole turn. */
  latencyMs: { stt: number; llm: number; tts: number; total: number };
  usage: { stt: SttUsage; llm: LlmUsage[]; tts: TtsUsage };
  /** This turn's cost in USD, a decimal string. */
  costUsd: string;
}

export interface HangupInput {
  reason: 'caller-hung-up' | 'agent-ended' | 'transferred' | 'timeout' | 'error';
}

export interface TranscriptEntry {
  turn: number;
  caller: string;
  agent: string;
  language: Language;
  /** Set when the caller spoke over the reply: the part of it they heard. */
  heard?: string;
}

export interface CallSummary {
  callId: string;
  turns: number;
  failedTurns: number;
  /** Whisper turns transcribed by the `calls` queue's provider instead. */
  sttFallbacks?: number;
  /** Turns the built-in dialog answered because the model provider was out of service. */
  llmOutages?: number;
  /** Reasons the call was moved from the simple to the complex model, at most one. */
  escalations?: string[];
  endReason: HangupInput['reason'];
  costBreakdown: CostBreakdown;
  totalCostUsd: string;
}

/** One caller utterance in, the agent's spoken reply out. */
export const turnUpdate = defineUpdate<TurnResult, [TurnInput]>('turn');
/** The caller (or the bridge on their behalf) hung up. */
export const hangupSignal = defineSignal<[HangupInput]>('hangup');
export const transcriptQuery = defineQuery<TranscriptEntry[]>('transcript');
export const costQuery = defineQuery<CostBreakdown>('cost');
