// Slaney-style mel filterbank, computed the way `librosa.filters.mel` does with its defaults
// (htk=False, norm='slaney'). OpenAI generated Whisper's `mel_filters.npz` with
// `librosa.filters.mel(sr=16000, n_fft=400, n_mels=80)` (and n_mels=128 for large-v3), and
// whisper.cpp reads the filters from the model file instead of computing them, so a ggml
// model without this exact matrix would see a different spectrogram than Whisper was
// trained on.

/** Parameters of {@link melFilterbank}. */
export interface MelFilterbankOptions {
  sampleRateHz: number;
  nFft: number;
  nMels: number;
  /** Lowest band edge. @default 0 */
  fMinHz?: number;
  /** Highest band edge. @default sampleRateHz / 2 */
  fMaxHz?: number;
}

/** A row-major `nMels × (nFft / 2 + 1)` matrix of float32 weights. */
export interface MelFilters {
  nMels: number;
  nFreqs: number;
  data: Float32Array;
}

// Slaney's scale is linear below 1 kHz (200/3 Hz per mel) and logarithmic above.
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

/** Converts hertz to Slaney mels (librosa `hz_to_mel`, htk=False). */
export function hzToMel(hz: number): number {
  if (hz >= MIN_LOG_HZ) return MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP;
  return hz / F_SP;
}

/** Converts Slaney mels to hertz (librosa `mel_to_hz`, htk=False). */
export function melToHz(mel: number): number {
  if (mel >= MIN_LOG_MEL) return MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL));
  return F_SP * mel;
}

/**
 * Builds triangular mel filters with Slaney area normalisation, in double precision with the
 * same float32 roundings as librosa.
 */
export function melFilterbank(options: MelFilterbankOptions): MelFilters {
  const { sampleRateHz, nFft, nMels } = options;
  const fMin = options.fMinHz ?? 0;
  const fMax = options.fMaxHz ?? sampleRateHz / 2;
  const nFreqs = Math.floor(nFft / 2) + 1;

  // np.linspace(0, sr / 2, nFreqs): computed as start + i * step, like numpy.
  const fftStep = sampleRateHz / 2 / (nFreqs - 1);
  const fftFreqs = Array.from({ length: nFreqs }, (_, i) => i * fftStep);

  const melMin = hzToMel(fMin);
  const melMax = hzToMel(fMax);
  const melStep = (melMax - melMin) / (nMels + 1);
  const melEdges = Array.from({ length: nMels + 2 }, (_, i) =>
    melToHz(i === nMels + 1 ? melMax : melMin + i * melStep),
  );

  const data = new Float32Array(nMels * nFreqs);
  for (let m = 0; m < nMels; m++) {
    const left = melEdges[m]!;
    const centre = melEdges[m + 1]!;
    const right = melEdges[m + 2]!;
    const enorm = 2 / (right - left);
    for (let k = 0; k < nFreqs; k++) {
      const f = fftFreqs[k]!;
      const lower = (f - left) / (centre - left);
      const upper = (right - f) / (right - centre);
      // librosa stores the triangle in a float32 matrix first and scales it afterwards, so
      // rounding twice reproduces its values bit for bit.
      data[m * nFreqs + k] = Math.fround(Math.max(0, Math.min(lower, upper))) * enorm;
    }
  }
  return { nMels, nFreqs, data };
}
