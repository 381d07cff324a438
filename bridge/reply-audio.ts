import type { AudioFormat } from '../domain/audio.js';
import {
  floatToPcm16,
  mulawToPcm16,
  pcm16ToFloat,
  pcm16ToMulaw,
  resampleMono,
} from '../infra/audio-codec.js';
import { VAD_SAMPLE_RATE_HZ } from './vad.js';

/**
 * Converts reply audio in any format dzvin's engines produce (16-bit PCM at 16 kHz from eSpeak
 * or Google, or telephone μ-law) into the 8 kHz μ-law a phone line carries.
 */
export function toTelephoneMulaw(audio: Buffer, format: AudioFormat): Buffer {
  if (format.channels !== 1) throw new RangeError(`reply audio has ${format.channels} channels`);
  if (format.encoding === 'mulaw' && format.sampleRateHz === VAD_SAMPLE_RATE_HZ) return audio;

  const pcm = format.encoding === 'mulaw' ? mulawToPcm16(audio) : evenLength(audio);
  if (format.sampleRateHz === VAD_SAMPLE_RATE_HZ) return pcm16ToMulaw(pcm);
  const resampled = resampleMono(pcm16ToFloat(pcm), format.sampleRateHz, VAD_SAMPLE_RATE_HZ);
  return pcm16ToMulaw(floatToPcm16(resampled));
}

/** A stray odd byte would make the whole reply unreadable; dropping it loses 1/16000 s. */
function evenLength(pcm: Buffer): Buffer {
  return pcm.length % 2 === 0 ? pcm : pcm.subarray(0, pcm.length - 1);
}
