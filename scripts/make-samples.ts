/**
 * Regenerates samples/synthesized/: caller phrases spoken by eSpeak NG through dzvin's own
 * engine (16 kHz mono WAV), plus a few of them re-encoded as MP3, Ogg Vorbis, Ogg Opus and
 * FLAC at other rates and channel counts, which the decoder tests read.
 *
 *   npx tsx scripts/make-samples.ts
 *
 * The WAVs need only `npm install` (espeak-ng is an optional dependency). The compressed
 * copies need Debian's `sox`, `libsox-fmt-mp3` and `opus-tools`; without them the script keeps
 * the committed copies and says so. Output is deterministic, so an unchanged run changes no byte.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { SPEECH_FORMAT } from '../domain/audio.js';
import type { Language } from '../domain/language.js';
import { EspeakTts } from '../engines/tts/espeak.js';
import { encodeWav } from '../infra/wav.js';

/** Phrases a shop's caller says. Their text is also the table in samples/README.md. */
const CALLER_PHRASES: readonly { name: string; language: Language; text: string }[] = [
  {
    name: 'washer-in-stock',
    language: 'uk',
    text: 'Добрий день, у вас є в наявності пральна машина Bosch?',
  },
  { name: 'fridge-price', language: 'uk', text: 'Скільки коштує холодильник Samsung?' },
  { name: 'order-status', language: 'uk', text: 'Де моє замовлення номер 10452?' },
  { name: 'operator', language: 'uk', text: "З'єднайте мене з оператором, будь ласка." },
  {
    name: 'dishwasher-price',
    language: 'ru',
    text: 'Здравствуйте, сколько стоит посудомоечная машина Bosch?',
  },
  { name: 'order-status', language: 'ru', text: 'Где мой заказ номер 10452?' },
  { name: 'delivery', language: 'ru', text: 'Когда привезут мой телевизор?' },
  { name: 'operator', language: 'ru', text: 'Соедините меня с оператором, пожалуйста.' },
];

/**
 * Compressed copies: each container once, at a rate and channel count unlike the source.
 * `sox -R` and `opusenc --serial` fix the Ogg stream serial numbers, which are random otherwise.
 */
const COMPRESSED: readonly {
  source: string;
  output: string;
  command: (input: string, output: string) => string[];
}[] = [
  {
    source: 'synth-ru-order-status.wav',
    output: 'synth-ru-order-status.mp3',
    // Stereo whose channels differ (the right one quieter), so that it is not folded to mono.
    command: (i, o) => ['sox', '-R', i, '-r', '44100', '-C', '64', o, 'remix', '1', '1v0.8'],
  },
  {
    source: 'synth-uk-order-status.wav',
    output: 'synth-uk-order-status.ogg',
    command: (i, o) => ['sox', '-R', i, '-r', '32000', '-C', '3', o],
  },
  {
    source: 'synth-uk-operator.wav',
    output: 'synth-uk-operator.opus',
    command: (i, o) => ['opusenc', '--quiet', '--serial', '1', '--bitrate', '24', i, o],
  },
  {
    source: 'synth-ru-operator.wav',
    output: 'synth-ru-operator.flac',
    command: (i, o) => ['sox', '-R', i, '-r', '8000', o],
  },
];

const OUT_DIR = fileURLToPath(new URL('../samples/synthesized/', import.meta.url));

async function main(): Promise<void> {
  await mkdir(OUT_DIR, { recursive: true });
  const tts = new EspeakTts();
  try {
    for (const phrase of CALLER_PHRASES) {
      const speech = await tts.synthesize(phrase.text, phrase.language);
      const file = `synth-${phrase.language}-${phrase.name}.wav`;
      await writeFile(path.join(OUT_DIR, file), encodeWav(speech.audio, SPEECH_FORMAT));
      console.log(`${file}  ${speech.durationMs} ms`);
    }
  } finally {
    await tts.close();
  }

  const missing = ['sox', 'opusenc'].filter((tool) => spawnSync(tool, ['--version']).error);
  if (missing.length > 0) {
    console.warn(
      `kept the committed compressed samples: ${missing.join(', ')} not found ` +
        '(apt-get install sox libsox-fmt-mp3 opus-tools to regenerate them)',
    );
    return;
  }
  for (const { source, output, command } of COMPRESSED) {
    const [tool = 'sox', ...args] = command(path.join(OUT_DIR, source), path.join(OUT_DIR, output));
    const result = spawnSync(tool, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${result.stderr}`);
    console.log(output);
  }
}

await main();
