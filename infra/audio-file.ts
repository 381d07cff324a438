import decodeAudio from 'audio-decode';
import audioType from 'audio-type';
import { MPEGDecoder } from 'mpg123-decoder';

import type { AudioFormat } from '../domain/audio.js';
import { audioDurationMs, SPEECH_FORMAT } from '../domain/audio.js';
import { downmixToMono, floatToPcm16, resampleMono } from './audio-codec.js';

/** Containers {@link decodeAudioFile} accepts. */
export type AudioContainer = 'wav' | 'mp3' | 'ogg-vorbis' | 'ogg-opus' | 'flac';

/** What went wrong with an audio file, stable for callers and tests. */
export type AudioDecodeErrorCode =
  'empty' | 'unsupported-format' | 'truncated' | 'corrupt' | 'too-long' | 'too-large';

/** Shown in every error so that a user knows what to send instead. */
export const ACCEPTED_AUDIO_FORMATS =
  'WAV (PCM 8/16/24/32-bit, 32-bit float, μ-law, A-law, ADPCM), MP3, Ogg Vorbis, Ogg Opus, FLAC';

/** Longest file {@link decodeAudioFile} accepts by default: one caller utterance, with room. */
export const MAX_AUDIO_FILE_DURATION_MS = 60_000;

/**
 * Largest file read at all. 60 s of 48 kHz stereo 32-bit float WAV is 23 MB; anything far
 * past that cannot be a valid upload and is refused before the decoder allocates for it.
 */
export const MAX_AUDIO_FILE_BYTES = 64 * 1024 * 1024;

/** Thrown when a file is not audio that dzvin can use. The message names the file. */
export class AudioDecodeError extends Error {
  readonly code: AudioDecodeErrorCode;
  readonly fileName: string;

  constructor(
    code: AudioDecodeErrorCode,
    fileName: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${fileName}: ${problem}. Accepted: ${ACCEPTED_AUDIO_FORMATS}; at most 60 s.`, options);
    this.name = 'AudioDecodeError';
    this.code = code;
    this.fileName = fileName;
  }
}

/** A decoded file as every engine takes it: 16 kHz mono PCM16, and what it was before. */
export interface DecodedAudioFile {
  pcm: Buffer;
  format: AudioFormat;
  durationMs: number;
  source: { container: AudioContainer; sampleRateHz: number; channels: number };
}

const CONTAINERS: Record<string, AudioContainer> = {
  wav: 'wav',
  mp3: 'mp3',
  oga: 'ogg-vorbis',
  opus: 'ogg-opus',
  flac: 'flac',
};

const VIDEO_TYPES = new Set(['mp4', 'm4a', 'mov', 'mkv', 'webm', 'avi']);

/**
 * Decodes a WAV, MP3, Ogg (Vorbis or Opus) or FLAC file of any sample rate and channel count
 * to 16 kHz mono 16-bit PCM: channels are averaged, then resampled with an anti-alias filter.
 * Throws {@link AudioDecodeError} for an empty, unknown, truncated, corrupt or too long file.
 */
export async function decodeAudioFile(
  bytes: Buffer,
  nameForErrors: string,
  options: { maxDurationMs?: number } = {},
): Promise<DecodedAudioFile> {
  const maxDurationMs = options.maxDurationMs ?? MAX_AUDIO_FILE_DURATION_MS;
  const container = detectContainer(bytes, nameForErrors);
  const structural = structureProblem(bytes, container);
  if (structural) throw new AudioDecodeError(structural.code, nameForErrors, structural.problem);

  let decoded: { channelData: Float32Array[]; sampleRate: number };
  try {
    // A copy: some decoders transfer or detach the buffer they are given.
    decoded =
      container === 'mp3' ? await decodeMp3(bytes) : await decodeAudio(new Uint8Array(bytes));
  } catch (error) {
    throw new AudioDecodeError('corrupt', nameForErrors, `cannot decode this ${container} file`, {
      cause: error,
    });
  }

  const { channelData, sampleRate } = decoded;
  const frames = channelData[0]?.length ?? 0;
  if (frames === 0 || sampleRate <= 0) {
    throw new AudioDecodeError(
      'corrupt',
      nameForErrors,
      `no decodable audio in this ${container} file`,
    );
  }
  const sourceDurationMs = Math.round((frames / sampleRate) * 1000);
  if (sourceDurationMs > maxDurationMs) {
    throw new AudioDecodeError(
      'too-long',
      nameForErrors,
      `audio lasts ${sourceDurationMs} ms, more than the ${maxDurationMs} ms allowed`,
    );
  }
  const flacShortfall = container === 'flac' ? flacMissingFrames(bytes, frames) : 0;
  if (flacShortfall > 0) {
    throw new AudioDecodeError(
      'truncated',
      nameForErrors,
      `the FLAC header promises ${flacShortfall} more samples than the file holds`,
    );
  }

  const mono = downmixToMono(channelData);
  const pcm = floatToPcm16(resampleMono(mono, sampleRate, SPEECH_FORMAT.sampleRateHz));
  return {
    pcm,
    format: { ...SPEECH_FORMAT },
    durationMs: audioDurationMs(pcm.length, SPEECH_FORMAT),
    source: { container, sampleRateHz: sampleRate, channels: channelData.length },
  };
}

/**
 * MP3 goes to mpg123 directly because audio-decode drops the frame errors it reports, and a
 * file of noise behind one valid frame header would otherwise pass as a short silent clip.
 */
async function decodeMp3(
  bytes: Buffer,
): Promise<{ channelData: Float32Array[]; sampleRate: number }> {
  const decoder = new MPEGDecoder();
  try {
    await decoder.ready;
    const result = decoder.decode(new Uint8Array(bytes));
    const firstError = result.errors[0];
    if (firstError) {
      throw new Error(`MPEG frame ${firstError.frameNumber}: ${firstError.message}`);
    }
    const channelData = result.channelData.map((ch) => ch.subarray(0, result.samplesDecoded));
    // mpg123 always outputs two channels; a mono file comes back as two identical ones.
    const [left, right] = channelData;
    const mono = left && right && left.every((value, i) => value === right[i]);
    return { channelData: mono ? [left] : channelData, sampleRate: result.sampleRate };
  } finally {
    decoder.free();
  }
}

function detectContainer(bytes: Buffer, name: string): AudioContainer {
  if (bytes.length === 0) throw new AudioDecodeError('empty', name, 'the file is empty');
  if (bytes.length > MAX_AUDIO_FILE_BYTES) {
    throw new AudioDecodeError(
      'too-large',
      name,
      `the file has ${bytes.length} bytes, more than ${MAX_AUDIO_FILE_BYTES}`,
    );
  }
  const type = audioType(new Uint8Array(bytes));
  const container = type === undefined ? undefined : CONTAINERS[type];
  if (container) return container;
  if (type !== undefined && VIDEO_TYPES.has(type)) {
    throw new AudioDecodeError(
      'unsupported-format',
      name,
      `this is a ${type} (video or AAC) container, not an accepted audio file`,
    );
  }
  const what = type === undefined ? 'not a recognised audio file' : `${type} audio is not accepted`;
  throw new AudioDecodeError('unsupported-format', name, what);
}

interface StructureProblem {
  code: 'truncated' | 'corrupt';
  problem: string;
}

/**
 * Decoders play what they can of a cut-off file and say nothing, so a truncated upload would
 * pass as a shorter clip. WAV and Ogg say how much should follow; check that it does. FLAC is
 * checked after decoding, against the sample count in its header.
 * Limitation: MP3 has no length field that every encoder writes, so an MP3 cut between two
 * frames decodes as a shorter clip; a cut inside a frame loses only that frame.
 */
function structureProblem(bytes: Buffer, container: AudioContainer): StructureProblem | undefined {
  if (container === 'wav') return wavStructure(bytes);
  if (container === 'ogg-vorbis' || container === 'ogg-opus') return oggStructure(bytes);
  return undefined;
}

const truncated = (problem: string): StructureProblem => ({ code: 'truncated', problem });

function wavStructure(bytes: Buffer): StructureProblem | undefined {
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'data') {
      // Streaming writers leave 0 or 0xFFFFFFFF when they cannot seek back to fill the size in.
      if (size === 0 || size === 0xffffffff) return undefined;
      const available = bytes.length - at - 8;
      return size > available
        ? truncated(`the WAV data chunk declares ${size} bytes but only ${available} follow`)
        : undefined;
    }
    at += 8 + size + (size % 2);
  }
  return truncated('the WAV file ends before its data chunk');
}

function oggStructure(bytes: Buffer): StructureProblem | undefined {
  // Walk the page chain from the start: each page's header says exactly how long it is.
  let at = 0;
  let lastHeaderType = 0;
  while (at < bytes.length) {
    if (at + 27 > bytes.length) return truncated('the Ogg stream ends inside a page header');
    if (bytes.toString('ascii', at, at + 4) !== 'OggS') {
      return { code: 'corrupt', problem: `the Ogg page chain breaks at byte ${at}` };
    }
    const segments = bytes.readUInt8(at + 26);
    if (at + 27 + segments > bytes.length) {
      return truncated('the Ogg stream ends inside a page header');
    }
    let bodyBytes = 0;
    for (let i = 0; i < segments; i++) bodyBytes += bytes.readUInt8(at + 27 + i);
    lastHeaderType = bytes.readUInt8(at + 5);
    at += 27 + segments + bodyBytes;
  }
  if (at > bytes.length) return truncated('the last Ogg page is cut short');
  // Every Ogg stream closes with an end-of-stream page (header type bit 0x04).
  if ((lastHeaderType & 0x04) === 0) return truncated('the Ogg stream has no end-of-stream page');
  return undefined;
}

/** Samples the FLAC STREAMINFO block promises beyond those decoded; 0 when unknown. */
function flacMissingFrames(bytes: Buffer, decodedFrames: number): number {
  // 'fLaC', a 4-byte block header, then STREAMINFO whose bytes 13..17 end in the 36-bit
  // total sample count (0 means the encoder did not know it).
  if (bytes.length < 26 || bytes.toString('ascii', 0, 4) !== 'fLaC') return 0;
  if ((bytes.readUInt8(4) & 0x7f) !== 0) return 0;
  const totalFrames = (bytes.readUInt8(21) & 0x0f) * 2 ** 32 + bytes.readUInt32BE(22);
  return totalFrames > decodedFrames ? totalFrames - decodedFrames : 0;
}
