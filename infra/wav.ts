import type { AudioFormat } from '../domain/audio.js';
import { bytesPerSample } from '../domain/audio.js';

// WAVE format tags (RFC 2361): the two encodings dzvin carries.
const FORMAT_TAG_PCM = 1;
const FORMAT_TAG_MULAW = 7;

/** Thrown by {@link parseWav} when bytes are not a WAV file it can read exactly. */
export class WavFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavFormatError';
  }
}

/**
 * Wraps raw samples in a WAV header: 16-bit PCM as format tag 1, μ-law as tag 7 with the
 * `fact` chunk that non-PCM WAV files carry. Channels stay interleaved as given.
 */
export function encodeWav(pcm: Buffer, format: AudioFormat): Buffer {
  const sampleBytes = bytesPerSample(format.encoding);
  const blockAlign = sampleBytes * format.channels;
  if (!Number.isInteger(format.sampleRateHz) || format.sampleRateHz <= 0) {
    throw new RangeError(`cannot write a WAV at ${format.sampleRateHz} Hz`);
  }
  if (!Number.isInteger(format.channels) || format.channels < 1 || format.channels > 16) {
    throw new RangeError(`cannot write a WAV with ${format.channels} channels`);
  }
  if (pcm.length % blockAlign !== 0) {
    throw new RangeError(`${pcm.length} bytes is not a whole number of ${blockAlign}-byte frames`);
  }

  const isPcm = format.encoding === 'pcm_s16le';
  // Non-PCM fmt chunks carry a cbSize field (18 bytes) and are followed by a fact chunk.
  const fmtSize = isPcm ? 16 : 18;
  const factSize = isPcm ? 0 : 12;
  const headerSize = 12 + 8 + fmtSize + factSize + 8;
  const header = Buffer.alloc(headerSize);

  let at = header.write('RIFF', 0, 'ascii');
  at = header.writeUInt32LE(headerSize - 8 + pcm.length, at);
  at += header.write('WAVE', at, 'ascii');
  at += header.write('fmt ', at, 'ascii');
  at = header.writeUInt32LE(fmtSize, at);
  at = header.writeUInt16LE(isPcm ? FORMAT_TAG_PCM : FORMAT_TAG_MULAW, at);
  at = header.writeUInt16LE(format.channels, at);
  at = header.writeUInt32LE(format.sampleRateHz, at);
  at = header.writeUInt32LE(format.sampleRateHz * blockAlign, at);
  at = header.writeUInt16LE(blockAlign, at);
  at = header.writeUInt16LE(sampleBytes * 8, at);
  if (!isPcm) {
    at = header.writeUInt16LE(0, at);
    at += header.write('fact', at, 'ascii');
    at = header.writeUInt32LE(4, at);
    at = header.writeUInt32LE(pcm.length / blockAlign, at);
  }
  at += header.write('data', at, 'ascii');
  header.writeUInt32LE(pcm.length, at);

  return Buffer.concat([header, pcm]);
}

/**
 * Reads a WAV file holding 16-bit PCM or μ-law, the two encodings dzvin writes. Strict on
 * purpose: a data chunk that runs past the end of the file is an error, not a shorter clip.
 * Other WAV flavours (24-bit, float, A-law) go through `decodeAudioFile` instead.
 */
export function parseWav(bytes: Buffer): { data: Buffer; format: AudioFormat } {
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF') {
    throw new WavFormatError('not a RIFF file');
  }
  if (bytes.toString('ascii', 8, 12) !== 'WAVE') throw new WavFormatError('RIFF file is not WAVE');

  let format: AudioFormat | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length) throw new WavFormatError('truncated fmt chunk');
      format = readFmt(bytes, body);
    } else if (id === 'data') {
      if (!format) throw new WavFormatError('data chunk comes before the fmt chunk');
      if (body + size > bytes.length) {
        throw new WavFormatError(
          `data chunk declares ${size} bytes but only ${bytes.length - body} follow`,
        );
      }
      const blockAlign = bytesPerSample(format.encoding) * format.channels;
      if (size % blockAlign !== 0) {
        throw new WavFormatError(`data size ${size} is not a whole number of frames`);
      }
      return { data: bytes.subarray(body, body + size), format };
    }
    // Chunks are padded to an even length.
    at = body + size + (size % 2);
  }
  throw new WavFormatError(format ? 'no data chunk' : 'no fmt chunk');
}

function readFmt(bytes: Buffer, at: number): AudioFormat {
  const tag = bytes.readUInt16LE(at);
  const channels = bytes.readUInt16LE(at + 2);
  const sampleRateHz = bytes.readUInt32LE(at + 4);
  const bitsPerSample = bytes.readUInt16LE(at + 14);
  if (channels < 1 || sampleRateHz < 1) {
    throw new WavFormatError(`fmt chunk declares ${channels} channels at ${sampleRateHz} Hz`);
  }
  if (tag === FORMAT_TAG_PCM && bitsPerSample === 16) {
    return { encoding: 'pcm_s16le', sampleRateHz, channels };
  }
  if (tag === FORMAT_TAG_MULAW && bitsPerSample === 8) {
    return { encoding: 'mulaw', sampleRateHz, channels };
  }
  throw new WavFormatError(`unsupported WAV encoding: format tag ${tag}, ${bitsPerSample} bits`);
}
