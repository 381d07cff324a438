/** Audio encodings a turn may carry. Telephony sends 8 kHz μ-law; the demo sends 16-bit PCM. */
export type AudioEncoding = 'pcm_s16le' | 'mulaw';

export interface AudioFormat {
  encoding: AudioEncoding;
  sampleRateHz: number;
  channels: number;
}

/**
 * A claim check for audio kept in the blob store. Workflow history carries this, never the
 * bytes themselves.
 */
export interface AudioRef {
  /** Blob store key, e.g. `call/<callId>/utt-3.pcm`. */
  key: string;
  format: AudioFormat;
  bytes: number;
  durationMs: number;
}

/** The format every engine in dzvin accepts without conversion: 16 kHz mono 16-bit PCM. */
export const SPEECH_FORMAT: AudioFormat = {
  encoding: 'pcm_s16le',
  sampleRateHz: 16_000,
  channels: 1,
};

export function bytesPerSample(encoding: AudioEncoding): number {
  return encoding === 'pcm_s16le' ? 2 : 1;
}

/** Duration of raw audio of the given size, in milliseconds (rounded to the nearest ms). */
export function audioDurationMs(byteLength: number, format: AudioFormat): number {
  const frameBytes = bytesPerSample(format.encoding) * format.channels;
  return Math.round((byteLength / frameBytes / format.sampleRateHz) * 1000);
}

/** Describes what is wrong with a format, or returns undefined when it is usable. */
export function audioFormatProblem(format: AudioFormat): string | undefined {
  if (format.encoding !== 'pcm_s16le' && format.encoding !== 'mulaw') {
    return `unsupported encoding "${String(format.encoding)}" (use pcm_s16le or mulaw)`;
  }
  if (
    !Number.isInteger(format.sampleRateHz) ||
    format.sampleRateHz < 8000 ||
    format.sampleRateHz > 48_000
  ) {
    return `sample rate ${format.sampleRateHz} Hz is outside 8000..48000`;
  }
  if (format.channels !== 1) {
    return `expected mono audio, got ${format.channels} channels`;
  }
  return undefined;
}
