import { audioFormatProblem } from '../domain/audio.js';
import type { AudioRef } from '../domain/audio.js';
import type { Language } from '../domain/language.js';
import type { SttUsage, Transcript } from '../domain/usage.js';
import type { SpeechToText } from '../engines/types.js';
import type { BlobStore } from '../infra/blob-store.js';
import { FailureType, InvalidInputError, toActivityFailure } from './errors.js';

export interface TranscribeInput {
  callId: string;
  turn: number;
  audio: AudioRef;
  /** The call's language now. */
  language: Language;
  /** Set until the caller has been heard: the engine detects the language if it can. */
  detectLanguage?: boolean;
}

export interface TranscribeResult {
  transcript: Transcript;
  usage: SttUsage;
  elapsedMs: number;
}

/** Speech-to-text activities: read the utterance from the blob store and recognize it. */
export function createSttActivities(deps: { blobs: BlobStore; stt: SpeechToText }) {
  return { transcribe: createTranscriber(deps) };
}

/**
 * The Whisper activity served on the `stt-whisper` task queue by workers that keep a Whisper
 * model loaded (the GPU worker, or the embedded worker on the CPU). Same contract as
 * `transcribe`, under its own name so a call can tell which queue served it.
 */
export function createWhisperSttActivities(deps: { blobs: BlobStore; stt: SpeechToText }) {
  return { transcribeWhisper: createTranscriber(deps) };
}

function createTranscriber(deps: { blobs: BlobStore; stt: SpeechToText }) {
  return async function transcribe(input: TranscribeInput): Promise<TranscribeResult> {
    const startedAt = performance.now();
    try {
      const problem = audioFormatProblem(input.audio.format);
      if (problem) throw new InvalidInputError(problem, FailureType.InvalidAudio);

      const audio = await deps.blobs.get(input.audio.key);
      if (audio.length === 0) {
        throw new InvalidInputError('the utterance holds no audio', FailureType.InvalidAudio);
      }

      const { transcript, usage } = await deps.stt.transcribe(audio, input.audio.format, {
        language: input.language,
        detect: input.detectLanguage === true,
      });
      return { transcript, usage, elapsedMs: Math.round(performance.now() - startedAt) };
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
}

export type SttActivities = ReturnType<typeof createSttActivities>;
export type WhisperSttActivities = ReturnType<typeof createWhisperSttActivities>;
