import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { SPEECH_FORMAT } from '../domain/audio.js';
import { mulawToPcm16, pcm16ToMulaw } from '../infra/audio-codec.js';
import { AudioDecodeError, decodeAudioFile } from '../infra/audio-file.js';
import type { AudioDecodeErrorCode } from '../infra/audio-file.js';
import { encodeWav, parseWav, WavFormatError } from '../infra/wav.js';

const SAMPLES = new URL('../samples/', import.meta.url);
const sample = (name: string) => readFile(new URL(name, SAMPLES));

/** A sine tone as interleaved 16-bit PCM; `gains` sets each channel's amplitude. */
function tone(options: { rateHz: number; durationMs: number; freqHz: number; gains: number[] }) {
  const frames = Math.round((options.rateHz * options.durationMs) / 1000);
  const channels = options.gains.length;
  const pcm = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const value = Math.sin((2 * Math.PI * options.freqHz * i) / options.rateHz);
    options.gains.forEach((gain, ch) => {
      pcm.writeInt16LE(Math.round(value * gain * 32767), (i * channels + ch) * 2);
    });
  }
  return pcm;
}

/** A WAV header for encodings `encodeWav` does not write (24-bit PCM, 32-bit float). */
function wavWith(tag: number, bits: number, rateHz: number, data: Buffer): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(tag, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rateHz, 24);
  header.writeUInt32LE((rateHz * bits) / 8, 28);
  header.writeUInt16LE(bits / 8, 32);
  header.writeUInt16LE(bits, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

function rms(pcm: Buffer): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i += 2) sum += pcm.readInt16LE(i) ** 2;
  return Math.sqrt(sum / (pcm.length / 2));
}

/** Upward zero crossings per second: the frequency of a clean tone. */
function frequencyHz(pcm: Buffer, rateHz: number): number {
  let crossings = 0;
  for (let i = 2; i < pcm.length; i += 2) {
    if (pcm.readInt16LE(i - 2) < 0 && pcm.readInt16LE(i) >= 0) crossings++;
  }
  return crossings / (pcm.length / 2 / rateHz);
}

async function decodeError(bytes: Buffer, name: string): Promise<AudioDecodeError> {
  const error: unknown = await decodeAudioFile(bytes, name).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AudioDecodeError);
  return error as AudioDecodeError;
}

describe('decodeAudioFile', () => {
  it.each([
    { rateHz: 8000, gains: [0.5] },
    { rateHz: 16_000, gains: [0.5] },
    { rateHz: 22_050, gains: [0.5] },
    { rateHz: 44_100, gains: [0.5] },
    { rateHz: 44_100, gains: [0.5, 0.5] },
    { rateHz: 48_000, gains: [0.5, 0.5] },
  ])(
    'turns a $rateHz Hz WAV with $gains.length channel(s) into 16 kHz mono of the same length and pitch',
    async ({ rateHz, gains }) => {
      const pcm = tone({ rateHz, durationMs: 1500, freqHz: 440, gains });
      const wav = encodeWav(pcm, {
        encoding: 'pcm_s16le',
        sampleRateHz: rateHz,
        channels: gains.length,
      });

      const decoded = await decodeAudioFile(wav, 'tone.wav');

      expect(decoded.format).toEqual(SPEECH_FORMAT);
      expect(decoded.source).toEqual({
        container: 'wav',
        sampleRateHz: rateHz,
        channels: gains.length,
      });
      expect(decoded.durationMs).toBe(1500);
      expect(decoded.pcm.length).toBe(1.5 * 16_000 * 2);
      expect(frequencyHz(decoded.pcm, 16_000)).toBeCloseTo(440, -1);
      // A 0.5 full-scale sine has an RMS of 0.5/√2 of full scale; resampling keeps it.
      expect(rms(decoded.pcm) / 32767).toBeCloseTo(0.5 / Math.SQRT2, 2);
    },
  );

  it('averages the channels of a stereo file', async () => {
    const pcm = tone({ rateHz: 44_100, durationMs: 1000, freqHz: 300, gains: [0.6, 0] });
    const wav = encodeWav(pcm, { encoding: 'pcm_s16le', sampleRateHz: 44_100, channels: 2 });

    const decoded = await decodeAudioFile(wav, 'left-only.wav');

    expect(rms(decoded.pcm) / 32767).toBeCloseTo(0.3 / Math.SQRT2, 2);
  });

  it('reads μ-law, 24-bit and 32-bit float WAV', async () => {
    const pcm = tone({ rateHz: 8000, durationMs: 1000, freqHz: 440, gains: [0.5] });
    const samples = Array.from({ length: pcm.length / 2 }, (_, i) => pcm.readInt16LE(i * 2));
    const pcm24 = Buffer.alloc(samples.length * 3);
    samples.forEach((s, i) => pcm24.writeIntLE(s * 256, i * 3, 3));
    const float = Buffer.alloc(samples.length * 4);
    samples.forEach((s, i) => float.writeFloatLE(s / 32768, i * 4));
    const files = {
      'mulaw.wav': encodeWav(pcm16ToMulaw(pcm), {
        encoding: 'mulaw',
        sampleRateHz: 8000,
        channels: 1,
      }),
      'pcm24.wav': wavWith(1, 24, 8000, pcm24),
      'float.wav': wavWith(3, 32, 8000, float),
    };

    for (const [name, bytes] of Object.entries(files)) {
      const decoded = await decodeAudioFile(bytes, name);
      expect(decoded.durationMs, name).toBe(1000);
      expect(frequencyHz(decoded.pcm, 16_000), name).toBeCloseTo(440, -1);
      expect(rms(decoded.pcm) / 32767, name).toBeCloseTo(0.5 / Math.SQRT2, 1);
    }
  });

  it.each([
    { file: 'synth-ru-order-status.mp3', container: 'mp3', sampleRateHz: 44_100, channels: 2 },
    {
      file: 'synth-uk-order-status.ogg',
      container: 'ogg-vorbis',
      sampleRateHz: 32_000,
      channels: 1,
    },
    { file: 'synth-uk-operator.opus', container: 'ogg-opus', sampleRateHz: 48_000, channels: 1 },
    { file: 'synth-ru-operator.flac', container: 'flac', sampleRateHz: 8000, channels: 1 },
  ])('decodes $container ($file) to 16 kHz mono as long as its WAV original', async (row) => {
    const original = await decodeAudioFile(
      await sample(`synthesized/${row.file.replace(/\.\w+$/, '.wav')}`),
      'original.wav',
    );

    const decoded = await decodeAudioFile(await sample(`synthesized/${row.file}`), row.file);

    expect(decoded.format).toEqual(SPEECH_FORMAT);
    const { container, sampleRateHz, channels } = row;
    expect(decoded.source).toEqual({ container, sampleRateHz, channels });
    // MP3 frames add up to one frame of padding; the other codecs trim their delay exactly.
    expect(Math.abs(decoded.durationMs - original.durationMs)).toBeLessThanOrEqual(80);
    const loudness = rms(decoded.pcm) / rms(original.pcm);
    expect(loudness).toBeGreaterThan(0.7);
    expect(loudness).toBeLessThan(1.3);
  });

  it('decodes the recorded 8 kHz telephone prompts to their listed durations', async () => {
    const manifest = (await sample('recorded/MANIFEST.tsv')).toString('utf8').trim().split('\n');
    expect(manifest.length).toBe(5);
    for (const row of manifest.slice(1)) {
      const [file = '', , durationS = ''] = row.split('\t');
      const decoded = await decodeAudioFile(await sample(`recorded/${file}`), file);
      expect(decoded.source.sampleRateHz, file).toBe(8000);
      expect(Math.abs(decoded.durationMs - Number(durationS) * 1000), file).toBeLessThan(1);
      expect(rms(decoded.pcm), file).toBeGreaterThan(300);
    }
  });

  describe('refuses files it cannot use, naming the file and the accepted formats', () => {
    const cases: {
      name: string;
      code: AudioDecodeErrorCode;
      bytes: () => Buffer | Promise<Buffer>;
    }[] = [
      { name: 'empty.wav', code: 'empty', bytes: () => Buffer.alloc(0) },
      {
        name: 'notes.txt',
        code: 'unsupported-format',
        bytes: () => Buffer.from('Добрий день! This is a text file, not audio.\n'),
      },
      {
        name: 'clip.mp4',
        code: 'unsupported-format',
        bytes: () => Buffer.concat([Buffer.from('\0\0\0\x20ftypisom'), Buffer.alloc(200)]),
      },
      {
        name: 'clip.webm',
        code: 'unsupported-format',
        bytes: () =>
          Buffer.concat([
            Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]),
            Buffer.from('webm'),
            Buffer.alloc(200),
          ]),
      },
      {
        name: 'cut.wav',
        code: 'truncated',
        bytes: async () =>
          (await sample('recorded/ast_uk_pls-try-call-later.wav')).subarray(0, 4000),
      },
      {
        name: 'cut.ogg',
        code: 'truncated',
        bytes: async () =>
          (await sample('synthesized/synth-uk-order-status.ogg')).subarray(0, 20_000),
      },
      {
        name: 'cut.opus',
        code: 'truncated',
        bytes: async () => (await sample('synthesized/synth-uk-operator.opus')).subarray(0, 5000),
      },
      {
        name: 'cut.flac',
        code: 'truncated',
        bytes: async () => (await sample('synthesized/synth-ru-operator.flac')).subarray(0, 10_000),
      },
      {
        name: 'noise.mp3',
        code: 'corrupt',
        bytes: () => Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(4000, 7)]),
      },
      {
        name: 'broken.ogg',
        code: 'corrupt',
        bytes: () => Buffer.concat([Buffer.from('OggS'), Buffer.alloc(4000, 7)]),
      },
      {
        name: 'long.wav',
        code: 'too-long',
        bytes: () =>
          encodeWav(Buffer.alloc(8000 * 2 * 61), {
            encoding: 'pcm_s16le',
            sampleRateHz: 8000,
            channels: 1,
          }),
      },
    ];

    it.each(cases)('$name is refused as $code', async ({ name, code, bytes }) => {
      const error = await decodeError(await bytes(), name);

      expect(error.code).toBe(code);
      expect(error.fileName).toBe(name);
      expect(error.message).toContain(name);
      expect(error.message).toContain('WAV');
      expect(error.message).toContain('MP3');
      expect(error.message).toContain('Ogg Vorbis');
      expect(error.message).toContain('FLAC');
    });
  });
});

describe('WAV and μ-law helpers', () => {
  it('writes a PCM16 WAV that parseWav reads back unchanged', () => {
    const pcm = tone({ rateHz: 16_000, durationMs: 100, freqHz: 1000, gains: [0.3] });

    const wav = encodeWav(pcm, SPEECH_FORMAT);

    expect(wav.length).toBe(44 + pcm.length);
    expect(parseWav(wav)).toEqual({ data: pcm, format: SPEECH_FORMAT });
  });

  it('writes a μ-law WAV with its fact chunk, and μ-law survives a round trip closely', () => {
    const pcm = tone({ rateHz: 8000, durationMs: 100, freqHz: 1000, gains: [0.3] });
    const mulaw = pcm16ToMulaw(pcm);
    const format = { encoding: 'mulaw', sampleRateHz: 8000, channels: 1 } as const;

    const wav = encodeWav(mulaw, format);

    expect(wav.toString('ascii', 38, 42)).toBe('fact');
    expect(parseWav(wav)).toEqual({ data: mulaw, format });
    const back = mulawToPcm16(mulaw);
    for (let i = 0; i < pcm.length; i += 2) {
      expect(Math.abs(back.readInt16LE(i) - pcm.readInt16LE(i))).toBeLessThan(400);
    }
  });

  it('parseWav refuses a WAV whose data chunk is cut short', () => {
    const wav = encodeWav(Buffer.alloc(3200), SPEECH_FORMAT);

    expect(() => parseWav(wav.subarray(0, 1000))).toThrow(WavFormatError);
  });

  it('encodeWav refuses a byte count that is not whole frames', () => {
    expect(() => encodeWav(Buffer.alloc(3), SPEECH_FORMAT)).toThrow(RangeError);
  });
});
