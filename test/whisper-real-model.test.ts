import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveWhisperModel } from '../engines/stt/whisper-model.js';
import { WhisperServerStt } from '../engines/stt/whisper-server.js';
import { decodeAudioFile } from '../infra/audio-file.js';
import { SHARED_DIR } from './support/call-harness.js';

/**
 * The Whisper model that setup installs (base, converted from PyPI) must really recognize
 * telephone-band Ukrainian and Russian. Base is a small model, so the bar is "clearly the right
 * sentence" measured by character error rate, not a perfect transcript.
 */
const SAMPLES = [
  { file: 'uk/ast_uk_pbx-invalid.wav', language: 'uk' as const, maxCer: 0.3 },
  { file: 'uk/ast_uk_vm-nobodyavail.wav', language: 'uk' as const, maxCer: 0.3 },
  { file: 'ru/ast_ru_pbx-invalid.wav', language: 'ru' as const, maxCer: 0.15 },
  { file: 'ru/ast_ru_vm-nobodyavail.wav', language: 'ru' as const, maxCer: 0.15 },
];

let stt: WhisperServerStt;
let references: Map<string, string>;

beforeAll(async () => {
  const model = await resolveWhisperModel({ download: false, progress: null });
  if (model.origin === 'weightless-test-model') {
    throw new Error('no real Whisper model is installed: run `npm run setup` first');
  }
  stt = new WhisperServerStt({ modelPath: model.path, threads: 2 });
  await stt.start();

  const manifest = await readFile(path.join(SHARED_DIR, 'audio', 'MANIFEST.tsv'), 'utf8');
  references = new Map(
    manifest
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => line.split('\t'))
      .map(([file, , , transcript]) => [file!, transcript!]),
  );
}, 300_000);

afterAll(async () => {
  await stt?.close();
});

describe('the installed Whisper model', () => {
  it.each(SAMPLES)('transcribes $file close to its reference', async (sample) => {
    const audio = await decodeAudioFile(
      await readFile(path.join(SHARED_DIR, 'audio', sample.file)),
      sample.file,
    );
    const { transcript } = await stt.transcribe(audio.pcm, audio.format, {
      language: sample.language,
    });

    const reference = references.get(sample.file)!;
    expect(transcript.language).toBe(sample.language);
    expect(characterErrorRate(transcript.text, reference)).toBeLessThanOrEqual(sample.maxCer);
  });
});

/** Edit distance over letters and digits, case and punctuation ignored, per reference letter. */
function characterErrorRate(hypothesis: string, reference: string): number {
  const normalize = (text: string) => [...text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '')];
  const hyp = normalize(hypothesis);
  const ref = normalize(reference);
  let previous = Array.from({ length: hyp.length + 1 }, (_, i) => i);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[hyp.length]! / ref.length;
}
