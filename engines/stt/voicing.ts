/**
 * A voicing check: does an utterance hold any voiced sound (vowels, voiced consonants) at all?
 * Voiced speech has harmonics, so its spectrum in the telephone band is peaky; noise (line
 * hiss, wind, a fan) spreads its power evenly. Spectral flatness — the geometric over the
 * arithmetic mean of the power spectrum — measures that: about 0.56 for white noise frame by frame,
 * well under 0.3 for a vowel.
 */

/** 32 ms at 16 kHz: a power of two for the FFT, and long enough to resolve a 100 Hz voice's harmonics. */
const FRAME_SAMPLES = 512;
const HOP_SAMPLES = 256;
const SAMPLE_RATE_HZ = 16_000;
/** The telephone band: what an 8 kHz call carries, and where vowel harmonics are strongest. */
const BAND_LOW_HZ = 300;
const BAND_HIGH_HZ = 3400;
/**
 * Below this a frame counts as voiced. Measured with it: each of the 18 recordings in
 * ../shared/audio has 1.8–6.2 s of voiced frames (74–94 % of its length), and generated white
 * noise at 1–50 % of full scale, at 16 kHz or through the 8 kHz telephone path, has none.
 */
const VOICED_FLATNESS = 0.3;
/** Frames quieter than -55 dBFS are silence whatever their shape. */
const MIN_FRAME_RMS = 32768 * 10 ** (-55 / 20);

/**
 * Milliseconds of voiced frames in 16 kHz mono 16-bit PCM (little-endian), counted per hop of
 * 16 ms.
 */
export function voicedMs(pcm: Buffer): number {
  const samples = Math.floor(pcm.length / 2);
  const window = hann(FRAME_SAMPLES);
  const low = Math.ceil((BAND_LOW_HZ / SAMPLE_RATE_HZ) * FRAME_SAMPLES);
  const high = Math.floor((BAND_HIGH_HZ / SAMPLE_RATE_HZ) * FRAME_SAMPLES);
  const re = new Float64Array(FRAME_SAMPLES);
  const im = new Float64Array(FRAME_SAMPLES);
  let voicedFrames = 0;
  for (let start = 0; start + FRAME_SAMPLES <= samples; start += HOP_SAMPLES) {
    let energy = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const sample = pcm.readInt16LE((start + i) * 2);
      energy += sample * sample;
      re[i] = sample * window[i]!;
      im[i] = 0;
    }
    if (Math.sqrt(energy / FRAME_SAMPLES) < MIN_FRAME_RMS) continue;
    fft(re, im);
    let logSum = 0;
    let sum = 0;
    for (let bin = low; bin <= high; bin++) {
      const power = re[bin]! * re[bin]! + im[bin]! * im[bin]! + 1e-9;
      logSum += Math.log(power);
      sum += power;
    }
    const bins = high - low + 1;
    const flatness = Math.exp(logSum / bins) / (sum / bins);
    if (flatness < VOICED_FLATNESS) voicedFrames++;
  }
  return (voicedFrames * HOP_SAMPLES * 1000) / SAMPLE_RATE_HZ;
}

function hann(length: number): Float64Array {
  const window = new Float64Array(length);
  for (let i = 0; i < length; i++)
    window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (length - 1));
  return window;
}

/** In-place iterative radix-2 FFT. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = (-2 * Math.PI) / size;
    const wRe = Math.cos(angle);
    const wIm = Math.sin(angle);
    for (let start = 0; start < n; start += size) {
      let curRe = 1;
      let curIm = 0;
      for (let k = 0; k < size / 2; k++) {
        const a = start + k;
        const b = a + size / 2;
        const tRe = re[b]! * curRe - im[b]! * curIm;
        const tIm = re[b]! * curIm + im[b]! * curRe;
        re[b] = re[a]! - tRe;
        im[b] = im[a]! - tIm;
        re[a] = re[a]! + tRe;
        im[a] = im[a]! + tIm;
        const nextRe = curRe * wRe - curIm * wIm;
        curIm = curRe * wIm + curIm * wRe;
        curRe = nextRe;
      }
    }
  }
}
