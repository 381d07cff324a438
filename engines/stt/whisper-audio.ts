import {
  SPEECH_FORMAT,
  audioDurationMs,
  audioFormatProblem,
  bytesPerSample,
} from '../../domain/audio.js';
import type { AudioFormat } from '../../domain/audio.js';
import { floatToPcm16, mulawToPcm16, pcm16ToFloat, resampleMono } from '../../infra/audio-codec.js';
import { encodeWav } from '../../infra/wav.js';
import { WhisperInputError } from './whisper-errors.js';

/**
 * Shortest utterance sent to Whisper. whisper.cpp itself refuses input under 100 ms ("input is
 * too short"), and an endpointer never cuts a real word that short.
 */
export const MIN_AUDIO_MS = 100;

/**
 * Turns one utterance into the WAV whisper-server reads: 16 kHz mono 16-bit PCM. μ-law is
 * decoded and other rates are resampled.
 *
 * Thrown when the audio is empty, too short, malformed or in an unsupported format:
 * {@link WhisperInputError} (never worth a retry).
 */
export function toWhisperWav(audio: Buffer, format: AudioFormat): { wav: Buffer; audioMs: number } {
  const problem = audioFormatProblem(format);
  if (problem) throw new WhisperInputError('unsupported-format', `cannot transcribe: ${problem}`);
  if (audio.length === 0) {
    throw new WhisperInputError('empty-audio', 'cannot transcribe an empty utterance', {
      bytes: 0,
    });
  }
  const frameBytes = bytesPerSample(format.encoding) * format.channels;
  if (audio.length % frameBytes !== 0) {
    throw new WhisperInputError(
      'malformed-audio',
      `${audio.length} bytes is not a whole number of ${frameBytes}-byte ${format.encoding} frames`,
      { bytes: audio.length },
    );
  }
  const audioMs = audioDurationMs(audio.length, format);
  if (audioMs < MIN_AUDIO_MS) {
    throw new WhisperInputError(
      'audio-too-short',
      `utterance of ${audioMs} ms is shorter than the ${MIN_AUDIO_MS} ms Whisper needs`,
      { audioMs, bytes: audio.length },
    );
  }

  let pcm = format.encoding === 'mulaw' ? mulawToPcm16(audio) : audio;
  if (format.sampleRateHz !== SPEECH_FORMAT.sampleRateHz) {
    const resampled = resampleMono(
      pcm16ToFloat(pcm),
      format.sampleRateHz,
      SPEECH_FORMAT.sampleRateHz,
    );
    pcm = floatToPcm16(resampled);
  }
  return { wav: encodeWav(pcm, SPEECH_FORMAT), audioMs };
}
