import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SPEECH_FORMAT } from '../domain/audio.js';
import type { SynthesizedSpeech } from '../engines/types.js';
import { ESPEAK_NOT_INSTALLED_MESSAGE, EspeakError, EspeakTts } from '../engines/tts/espeak.js';
import type { EspeakLogger } from '../engines/tts/espeak.js';
import { prepareSpeechText } from '../engines/tts/speech-text.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

function rms(pcm: Buffer): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i += 2) sum += pcm.readInt16LE(i) ** 2;
  return Math.sqrt(sum / (pcm.length / 2));
}

/** Longest stretch, in ms, where every 10 ms window is near silence. */
function longestSilenceMs(pcm: Buffer): number {
  const windowBytes = 160 * 2;
  let longest = 0;
  let current = 0;
  for (let at = 0; at + windowBytes <= pcm.length; at += windowBytes) {
    current = rms(pcm.subarray(at, at + windowBytes)) < 100 ? current + 10 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}

function expectSpeech(speech: SynthesizedSpeech): void {
  expect(speech.format).toEqual(SPEECH_FORMAT);
  expect(speech.durationMs).toBe(Math.round((speech.audio.length / 2 / 16_000) * 1000));
  expect(rms(speech.audio)).toBeGreaterThan(800);
}

function recordingLogger() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const logger: EspeakLogger = {
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
  return { lines, logger };
}

describe('EspeakTts', () => {
  const { lines, logger } = recordingLogger();
  const tts = new EspeakTts({ logger, maxCharacters: 300 });

  beforeAll(() => tts.warmUp());
  afterAll(() => tts.close());

  it('speaks a Ukrainian caller phrase as 16 kHz mono speech of plausible length', async () => {
    const text = 'Добрий день, у вас є в наявності пральна машина Bosch?';

    const speech = await tts.synthesize(text, 'uk');

    expectSpeech(speech);
    expect(speech.durationMs).toBeGreaterThan(2000);
    expect(speech.durationMs).toBeLessThan(8000);
    expect(speech.usage).toEqual({
      provider: 'espeak-ng',
      voice: 'uk',
      characters: [...text].length,
      cached: false,
    });
  });

  it('speaks a Russian caller phrase with the Russian voice', async () => {
    const speech = await tts.synthesize('Где мой заказ номер 10452?', 'ru');

    expectSpeech(speech);
    expect(speech.durationMs).toBeGreaterThan(1500);
    expect(speech.durationMs).toBeLessThan(8000);
    expect(speech.usage.voice).toBe('ru');
  });

  it('takes longer to say a longer text', async () => {
    const short = await tts.synthesize('Так.', 'uk');
    const long = await tts.synthesize(
      'Так, холодильник Samsung є в наявності, доставимо його завтра до обіду.',
      'uk',
    );

    expect(long.durationMs).toBeGreaterThan(short.durationMs * 3);
  });

  it('answers requests made at the same time, each with its own audio', async () => {
    const [uk, ru] = await Promise.all([
      tts.synthesize('Дякую, до побачення.', 'uk'),
      tts.synthesize('Спасибо, до свидания. Хорошего дня!', 'ru'),
    ]);

    expectSpeech(uk);
    expectSpeech(ru);
    expect(ru.durationMs).not.toBe(uk.durationMs);
  });

  it('speaks SSML-looking markup as text instead of obeying it', async () => {
    const plain = await tts.synthesize('Привет мир', 'ru');
    const markup = await tts.synthesize('<speak>Привет <break time="10s"/> мир</speak>', 'ru');

    expectSpeech(markup);
    // Obeyed, the break would be 10 s of silence; spoken, the tags make the audio longer
    // without any long pause.
    expect(longestSilenceMs(markup.audio)).toBeLessThan(1500);
    expect(markup.durationMs).toBeGreaterThan(plain.durationMs + 500);
    expect(markup.durationMs).toBeLessThan(10_000);
  });

  it('ignores control characters and eSpeak command syntax in the text', async () => {
    const speech = await tts.synthesize(
      "\u0001 50S Привет\u0000\u001b[31m [[h@l'oU]] мир\u0007",
      'ru',
    );

    expectSpeech(speech);
    expect(speech.usage.characters).toBeLessThan(40);
  });

  it('cuts text past the limit at a sentence end and logs that it did', async () => {
    const sentence = 'Це речення для перевірки довжини. ';
    const text = sentence.repeat(40);

    const speech = await tts.synthesize(text, 'uk');

    expectSpeech(speech);
    // Eight whole sentences fit in 300 characters; the ninth would not.
    expect(speech.usage.characters).toBe(sentence.length * 8 - 1);
    const warning = lines.find((line) => line.level === 'warn');
    expect(warning?.obj).toMatchObject({ originalCharacters: text.length, limit: 300 });
    expect(JSON.stringify(warning)).not.toContain('речення');
  });

  it('refuses text with nothing to say', async () => {
    const error: unknown = await tts.synthesize(' \u0000\u200b\n ', 'uk').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EspeakError);
    expect((error as EspeakError).code).toBe('empty-text');
    expect((error as EspeakError).retryable).toBe(false);
  });

  it('runs eSpeak NG in a separate process', () => {
    expect(tts.runnerPid).toBeGreaterThan(0);
    expect(tts.runnerPid).not.toBe(process.pid);
  });

  it('starts a fresh runner when the old one has died', async () => {
    const oldPid = tts.runnerPid;
    await tts.close();

    const speech = await tts.synthesize('Ще раз, будь ласка.', 'uk');

    expectSpeech(speech);
    expect(tts.runnerPid).not.toBe(oldPid);
  });
});

describe('EspeakTts without the espeak-ng package', () => {
  it('says how to install it or switch to Google TTS, and is not retryable', async () => {
    const { lines, logger } = recordingLogger();
    const tts = new EspeakTts({ logger, packageName: 'espeak-ng-missing-for-this-test' });

    const error: unknown = await tts.synthesize('Привіт', 'uk').catch((e: unknown) => e);
    const again: unknown = await tts.synthesize('Привіт', 'uk').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EspeakError);
    expect((error as EspeakError).code).toBe('not-installed');
    expect((error as EspeakError).message).toBe(ESPEAK_NOT_INSTALLED_MESSAGE);
    expect((error as EspeakError).retryable).toBe(false);
    expect(again).toBe(error);
    expect(
      lines.some((line) => line.level === 'error' && line.msg === ESPEAK_NOT_INSTALLED_MESSAGE),
    ).toBe(true);
  });
});

describe('EspeakTts with a runner that does not answer in time', () => {
  it('kills the runner and reports a retryable timeout', async () => {
    const tts = new EspeakTts({ timeoutMs: 50 });

    const error: unknown = await tts.synthesize('Привіт', 'uk').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EspeakError);
    expect((error as EspeakError).code).toBe('timeout');
    expect((error as EspeakError).retryable).toBe(true);
    await tts.close();
  });
});

describe('the GPL boundary', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dzvin-gpl-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('synthesizes in a process that is forbidden to load espeak-ng', async () => {
    // A module hook that fails any load of the espeak-ng package in the process it runs in.
    await writeFile(
      path.join(dir, 'forbid-hook.mjs'),
      `export async function resolve(specifier, context, next) {
        const result = await next(specifier, context);
        if (/[\\\\/]node_modules[\\\\/]espeak-ng[\\\\/]/.test(result.url)) {
          throw new Error('GPL module loaded in the main process: ' + result.url);
        }
        return result;
      }\n`,
    );
    await writeFile(
      path.join(dir, 'forbid.mjs'),
      `import { register } from 'node:module';
      register(new URL('./forbid-hook.mjs', import.meta.url));\n`,
    );
    const engine = new URL('../engines/tts/espeak.ts', import.meta.url).href;
    const gplModule = new URL('../node_modules/espeak-ng/dist/espeak-ng.js', import.meta.url).href;
    await writeFile(
      path.join(dir, 'main.mts'),
      `import { EspeakTts } from ${JSON.stringify(engine)};
      const blocked = await import(${JSON.stringify(gplModule)}).then(() => false, () => true);
      const tts = new EspeakTts();
      const speech = await tts.synthesize('Скільки коштує холодильник Samsung?', 'uk');
      console.log(JSON.stringify({ blocked, pid: process.pid, runnerPid: tts.runnerPid, durationMs: speech.durationMs }));
      await tts.close();\n`,
    );

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--import', path.join(dir, 'forbid.mjs'), path.join(dir, 'main.mts')],
      { cwd: REPO, timeout: 50_000 },
    );

    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
    // The hook works: a direct import of the package fails in that process.
    expect(result.blocked).toBe(true);
    expect(result.runnerPid).not.toBe(result.pid);
    expect(result.durationMs).toBeGreaterThan(1500);
  });
});

describe('prepareSpeechText', () => {
  it('leaves ordinary text alone', () => {
    expect(prepareSpeechText('Скільки коштує холодильник?', 100)).toEqual({
      text: 'Скільки коштує холодильник?',
      truncated: false,
      originalCharacters: 27,
    });
  });

  it('turns controls into spaces, drops invisible marks and breaks the phoneme switch', () => {
    expect(prepareSpeechText('a\u0001b\r\n\tc\u200bd\u202e [[x]]', 100).text).toBe('a b cd [ [x]]');
  });

  it('cuts at the last sentence end within the limit, else at a space', () => {
    expect(prepareSpeechText('Один. Два три. Чотири пʼять', 16).text).toBe('Один. Два три.');
    expect(prepareSpeechText('один два три чотири', 12).text).toBe('один два три');
    expect(prepareSpeechText('одиндватричотири', 6).text).toBe('одиндв');
  });

  it('never splits a surrogate pair', () => {
    const { text } = prepareSpeechText('😀'.repeat(10), 3);
    expect(text).toBe('😀😀😀');
  });
});
