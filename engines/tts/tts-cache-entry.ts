import type { AudioFormat } from '../../domain/audio.js';
import type { SynthesizedSpeech } from '../types.js';

/** What a cache entry keeps besides the audio: enough to answer as the provider did. */
interface EntryHeader {
  format: AudioFormat;
  durationMs: number;
  provider: string;
  voice: string;
  voiceTier?: string;
  /** Characters the provider billed when it spoke this audio. */
  characters: number;
}

const HEADER_LENGTH_BYTES = 4;

/**
 * One Redis value per entry: a 4-byte big-endian header length, the JSON header, then the raw
 * audio. A single value is read in one round trip and expires as a whole.
 */
export function encodeEntry(speech: SynthesizedSpeech): Buffer {
  const header: EntryHeader = {
    format: speech.format,
    durationMs: speech.durationMs,
    provider: speech.usage.provider,
    voice: speech.usage.voice,
    voiceTier: speech.usage.voiceTier,
    characters: speech.usage.characters,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(HEADER_LENGTH_BYTES);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, speech.audio]);
}

/** Reads an entry back as speech served from the cache; undefined when the value is damaged. */
export function decodeEntry(value: Buffer): SynthesizedSpeech | undefined {
  if (value.length < HEADER_LENGTH_BYTES) return undefined;
  const headerEnd = HEADER_LENGTH_BYTES + value.readUInt32BE(0);
  if (headerEnd > value.length) return undefined;

  let header: EntryHeader;
  try {
    header = JSON.parse(
      value.subarray(HEADER_LENGTH_BYTES, headerEnd).toString('utf8'),
    ) as EntryHeader;
  } catch {
    return undefined;
  }
  if (typeof header.provider !== 'string' || typeof header.characters !== 'number') {
    return undefined;
  }

  const usage = {
    provider: header.provider,
    voice: header.voice,
    characters: header.characters,
    cached: true,
    ...(header.voiceTier === undefined ? {} : { voiceTier: header.voiceTier }),
  };
  return {
    audio: value.subarray(headerEnd),
    format: header.format,
    durationMs: header.durationMs,
    usage,
  };
}
