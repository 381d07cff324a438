import alawmulaw from 'alawmulaw';
import waveResampler from 'wave-resampler';

/** Converts 16-bit little-endian PCM to G.711 μ-law, one byte per sample. */
export function pcm16ToMulaw(pcm: Buffer): Buffer {
  const encoded = alawmulaw.mulaw.encode(pcm16Samples(pcm));
  return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/** Converts G.711 μ-law bytes to 16-bit little-endian PCM. */
export function mulawToPcm16(mulaw: Buffer): Buffer {
  const decoded = alawmulaw.mulaw.decode(new Uint8Array(mulaw));
  return Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength);
}

/** Reads 16-bit little-endian PCM as samples in [-1, 1). */
export function pcm16ToFloat(pcm: Buffer): Float32Array {
  const samples = pcm16Samples(pcm);
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i] ?? 0) / 32768;
  return out;
}

/**
 * Writes samples in [-1, 1] as 16-bit little-endian PCM. Out-of-range values clip, and NaN
 * (which a float WAV may hold) becomes silence rather than a full-scale click.
 */
export function floatToPcm16(samples: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i] ?? 0;
    const clipped = Number.isNaN(value) ? 0 : Math.max(-1, Math.min(1, value));
    out.writeInt16LE(Math.round(clipped < 0 ? clipped * 32768 : clipped * 32767), i * 2);
  }
  return out;
}

/** Averages channels into one. Every channel must have the same length. */
export function downmixToMono(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return new Float32Array(0);
  if (channels.length === 1) return first.slice();
  const out = new Float32Array(first.length);
  for (const channel of channels) {
    for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) + (channel[i] ?? 0);
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / channels.length;
  return out;
}

/**
 * Changes the sample rate of mono samples with windowed-sinc interpolation and an anti-alias
 * low-pass filter (wave-resampler). Returns the input unchanged when the rates match.
 */
export function resampleMono(
  samples: Float32Array,
  fromHz: number,
  toHz: number,
): ArrayLike<number> {
  if (fromHz === toHz) return samples;
  // The library filters its input in place when it downsamples; the caller's array stays intact.
  return waveResampler.resample(samples.slice(), fromHz, toHz, { method: 'sinc', LPF: true });
}

function pcm16Samples(pcm: Buffer): Int16Array {
  if (pcm.length % 2 !== 0) throw new RangeError(`odd PCM16 byte length ${pcm.length}`);
  // A typed-array view needs 2-byte alignment, which pooled Buffers do not promise.
  const aligned = pcm.byteOffset % 2 === 0 ? pcm : Buffer.from(pcm);
  return new Int16Array(aligned.buffer, aligned.byteOffset, aligned.length / 2);
}
