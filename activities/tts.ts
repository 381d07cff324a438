import type { AudioRef } from '../domain/audio.js';
import type { Language } from '../domain/language.js';
import type { TtsUsage } from '../domain/usage.js';
import type { TextToSpeech } from '../engines/types.js';
import type { BlobStore } from '../infra/blob-store.js';
import { toActivityFailure } from './errors.js';

export interface SynthesizeInput {
  callId: string;
  turn: number;
  text: string;
  language: Language;
}

export interface SynthesizeResult {
  audio: AudioRef;
  usage: TtsUsage;
  elapsedMs: number;
}

/** Text-to-speech activities: speak the reply and leave its audio in the blob store. */
export function createTtsActivities(deps: { blobs: BlobStore; tts: TextToSpeech }) {
  return {
    async synthesizeReply(input: SynthesizeInput): Promise<SynthesizeResult> {
      const startedAt = performance.now();
      try {
        const speech = await deps.tts.synthesize(input.text, input.language);
        const key = `call/${input.callId}/reply-${input.turn}.pcm`;
        await deps.blobs.put(key, speech.audio);
        return {
          audio: {
            key,
            format: speech.format,
            bytes: speech.audio.length,
            durationMs: speech.durationMs,
          },
          usage: speech.usage,
          elapsedMs: Math.round(performance.now() - startedAt),
        };
      } catch (error) {
        throw toActivityFailure(error);
      }
    },
  };
}

export type TtsActivities = ReturnType<typeof createTtsActivities>;
