import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { SPEECH_FORMAT } from '../domain/audio.js';
import { pcm16ToMulaw } from '../infra/audio-codec.js';
import { REPO_ROOT } from '../infra/config.js';
import { parseWav } from '../infra/wav.js';
import {
  ensureWhisperServer,
  whisperBuildDir,
  whisperCppVersion,
} from '../engines/stt/whisper-build.js';
import {
  WhisperBuildError,
  WhisperInputError,
  WhisperModelError,
  WhisperServerError,
} from '../engines/stt/whisper-errors.js';
import { cleanWhisperText } from '../engines/stt/whisper-hallucinations.js';
import { KNOWN_MODEL_SHA1, resolveWhisperModel } from '../engines/stt/whisper-model.js';
import { WhisperServerStt } from '../engines/stt/whisper-server.js';

const SHARED = path.resolve(REPO_ROOT, '..', 'shared');
const TEST_MODEL = path.join(SHARED, 'models', 'for-tests-ggml-tiny.bin');
/** "Вибачте, даний номер не існує. Будь ласка, спробуйте ще раз." — 3.79 s, 8 kHz PCM. */
const RECORDING = path.join(SHARED, 'audio', 'uk', 'ast_uk_pbx-invalid.wav');
const RECORDING_MS = 3791;

/** A logger that remembers what it was told, to assert on restarts. */
function recordingLogger() {
  const lines: { level: string; msg: string; obj: object }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, msg, obj });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the embedded whisper.cpp engine, with the weightless tiny test model', () => {
  const logger = recordingLogger();
  let engine: WhisperServerStt;
  let recording: ReturnType<typeof parseWav>;

  beforeAll(async () => {
    // Builds whisper-server from source when the cache lacks it (CI pre-builds it): ~10 min on 2 cores.
    const binaryPath = await ensureWhisperServer({ device: 'cpu' });
    engine = new WhisperServerStt({ modelPath: TEST_MODEL, binaryPath, threads: 2, logger });
    recording = parseWav(await fs.readFile(RECORDING));
  }, 30 * 60_000);

  afterAll(async () => {
    await engine?.close();
  });

  it('transcribes a recorded 8 kHz Ukrainian utterance and bills its duration', async () => {
    expect(recording.format).toEqual({ encoding: 'pcm_s16le', sampleRateHz: 8000, channels: 1 });

    const { transcript, usage } = await engine.transcribe(recording.data, recording.format, {
      language: 'uk',
    });

    // The weightless model recognizes nothing: only the shape of the answer is checked.
    expect(typeof transcript.text).toBe('string');
    expect(['uk', 'ru']).toContain(transcript.language);
    expect(usage).toEqual({
      provider: 'whisper.cpp',
      audioMs: RECORDING_MS,
      billedAudioMs: RECORDING_MS,
    });
  });

  it('keeps one server with the model loaded across turns', async () => {
    const hint = { language: 'uk' as const };
    await engine.transcribe(recording.data, recording.format, hint);
    const firstPid = engine.pid;
    await engine.transcribe(recording.data, recording.format, hint);

    expect(firstPid).toBeGreaterThan(0);
    expect(engine.pid).toBe(firstPid);
    expect(engine.instances).toBe(1);
  });

  it('serves turns sent at the same time one after another on that one server', async () => {
    const pid = engine.pid;
    const turns = await Promise.all(
      [0, 1, 2].map(() => engine.transcribe(recording.data, recording.format, { language: 'ru' })),
    );

    expect(turns).toHaveLength(3);
    expect(engine.pid).toBe(pid);
  });

  it('accepts 8 kHz μ-law telephone audio', async () => {
    const mulaw = pcm16ToMulaw(recording.data);
    const format = { encoding: 'mulaw' as const, sampleRateHz: 8000, channels: 1 };

    const { usage } = await engine.transcribe(mulaw, format, { language: 'uk' });

    expect(usage.audioMs).toBe(RECORDING_MS);
  });

  it('gives an empty transcript for silence, and bills no Whisper time for it', async () => {
    const silence = Buffer.alloc(2 * 16_000 * 2);

    const { transcript, usage } = await engine.transcribe(silence, SPEECH_FORMAT, {
      language: 'uk',
    });

    expect(transcript.text).toBe('');
    expect(transcript.language).toBe('uk');
    expect(usage).toMatchObject({ audioMs: 2000, billedAudioMs: 0 });
  });

  it('restarts a killed server on the next turn and says so in the log', async () => {
    await engine.start();
    const oldPid = engine.pid;
    expect(oldPid).toBeDefined();
    process.kill(oldPid!, 'SIGKILL');
    await waitFor(() => engine.instances === 0);

    const { usage } = await engine.transcribe(recording.data, recording.format, {
      language: 'uk',
    });

    expect(usage.audioMs).toBe(RECORDING_MS);
    expect(engine.instances).toBe(1);
    expect(engine.pid).not.toBe(oldPid);
    expect(logger.lines.map((line) => line.msg)).toContain('whisper-server exited unexpectedly');
    expect(logger.lines.map((line) => line.msg)).toContain('restarting whisper-server');
  });

  it('finishes a turn whose server is killed while it runs, by retrying on a fresh one', async () => {
    await engine.start();
    const oldPid = engine.pid!;
    const restartsBefore = engine.restarts;

    const turn = engine.transcribe(recording.data, recording.format, { language: 'uk' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    process.kill(oldPid, 'SIGKILL');
    const { usage } = await turn;

    expect(usage.audioMs).toBe(RECORDING_MS);
    expect(engine.pid).not.toBe(oldPid);
    expect(engine.restarts).toBe(restartsBefore + 1);
    expect(logger.lines.map((line) => line.msg)).toContain(
      'whisper-server request failed, retrying once',
    );
  });

  it.each([
    ['ends without closing the engine', 'process.exit(0);'],
    ['is killed outright', 'setInterval(() => undefined, 1_000);'],
  ])('leaves no server running when its host process %s', async (_how, ending) => {
    const script = path.join(os.tmpdir(), `dzvin-whisper-orphan-${process.pid}-${Date.now()}.mts`);
    const engineModule = path.join(REPO_ROOT, 'engines', 'stt', 'whisper-server.ts');
    const options = { modelPath: TEST_MODEL, threads: 1 };
    await fs.writeFile(
      script,
      [
        `import { WhisperServerStt } from ${JSON.stringify(engineModule)};`,
        `const engine = new WhisperServerStt(${JSON.stringify(options)});`,
        'await engine.start();',
        'console.log(engine.pid);',
        ending,
      ].join('\n'),
    );
    const host = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT });
    const serverPid = await new Promise<number>((resolve, reject) => {
      host.stdout.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
      host.once('exit', (code) => reject(new Error(`host exited with ${code} before starting`)));
    });
    if (host.exitCode === null) host.kill('SIGKILL');
    await fs.rm(script, { force: true });

    expect(serverPid).toBeGreaterThan(0);
    // The kill lands as the host dies; the orphan is reaped by init a moment later.
    await waitFor(() => !isRunning(serverPid));
  });

  it('rejects empty, too short and malformed audio with non-retryable input errors', async () => {
    const hint = { language: 'uk' as const };
    const attempts = [
      engine.transcribe(Buffer.alloc(0), SPEECH_FORMAT, hint),
      engine.transcribe(Buffer.alloc(2 * 800), SPEECH_FORMAT, hint),
      engine.transcribe(Buffer.alloc(3001), SPEECH_FORMAT, hint),
      engine.transcribe(Buffer.alloc(3200), { ...SPEECH_FORMAT, channels: 2 }, hint),
    ];
    const errors = await Promise.all(attempts.map((attempt) => attempt.catch((e: unknown) => e)));

    expect(errors.map((e) => (e as WhisperInputError).code)).toEqual([
      'empty-audio',
      'audio-too-short',
      'malformed-audio',
      'unsupported-format',
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(WhisperInputError);
      expect((error as WhisperInputError).retryable).toBe(false);
    }
  });

  it('stops its server on close and refuses later turns', async () => {
    const pid = engine.pid!;
    await engine.close();

    expect(engine.instances).toBe(0);
    expect(isRunning(pid)).toBe(false);
    const error = await engine
      .transcribe(recording.data, recording.format, { language: 'uk' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WhisperServerError);
    expect((error as WhisperServerError).code).toBe('closed');
    expect((error as WhisperServerError).retryable).toBe(false);
  });
});

describe('building whisper-server', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('returns the cached binary without rebuilding', async () => {
    const version = await whisperCppVersion();
    const started = Date.now();

    const binary = await ensureWhisperServer({ device: 'cpu' });

    expect(binary).toBe(path.join(whisperBuildDir(version, 'cpu'), 'bin', 'whisper-server'));
    expect(version).toBe('1.9.1');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('says how to install cmake when it is missing', async () => {
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dzvin-build-'));
    vi.stubEnv('PATH', '/nonexistent');

    const error = await ensureWhisperServer({ device: 'cpu', cacheDir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WhisperBuildError);
    expect((error as WhisperBuildError).code).toBe('cmake-missing');
    expect((error as Error).message).toMatch(/apt-get install cmake/);
  });

  it('waits for another process building the same binary instead of building twice', async () => {
    const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dzvin-build-'));
    const dir = whisperBuildDir(await whisperCppVersion(), 'cpu', cacheDir);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    // A live process (this one) holds the lock; its "build" finishes a moment later.
    await fs.writeFile(`${dir}.lock`, `${process.pid}\n`);
    setTimeout(() => {
      void fs
        .mkdir(path.join(dir, 'bin'), { recursive: true })
        .then(() => fs.writeFile(path.join(dir, 'bin', 'whisper-server'), '', { mode: 0o755 }));
    }, 500);

    const binary = await ensureWhisperServer({ device: 'cpu', cacheDir });

    expect(binary).toBe(path.join(dir, 'bin', 'whisper-server'));
    expect(await fs.readdir(path.dirname(dir))).toEqual(['1.9.1-cpu', '1.9.1-cpu.lock']);
  });
});

describe('cleaning Whisper output on silence and noise', () => {
  it.each([
    '[BLANK_AUDIO]',
    ' [Music]',
    '(музика)',
    '(Музыка) [BLANK_AUDIO]',
    '♪♪♪',
    'Дякую за перегляд!',
    'Дякуємо за перегляд.',
    'Продолжение следует...',
    'Продолжение следует... Продолжение следует...',
    'Субтитры сделал DimaTorzok',
    'Субтитры создавал DimaTorzok',
    'Субтитри створювалися спільнотою Amara.org',
    'Редактор субтитров А.Синецкая Корректор А.Егорова',
    'Спасибо за просмотр!',
    'Thank you for watching.',
    ' you',
  ])('empties the transcript %j', (text) => {
    expect(cleanWhisperText(text)).toBe('');
  });

  it('keeps real speech and removes only the tags around it', () => {
    expect(cleanWhisperText('[Music] Доброго дня, є в наявності пральна машина? (сміх)')).toBe(
      'Доброго дня, є в наявності пральна машина?',
    );
  });

  it('keeps a known phrase when the caller said more than that', () => {
    const text = 'Дякую за перегляд. А коли буде доставка?';
    expect(cleanWhisperText(text)).toBe(text);
  });

  it('keeps digits in parentheses, which are phone numbers rather than tags', () => {
    expect(cleanWhisperText('Мій номер (044) 123-45-67')).toBe('Мій номер (044) 123-45-67');
  });
});

describe('finding the Whisper model', () => {
  const logger = recordingLogger();
  let tmp: string;
  let closedPortUrl: string;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dzvin-models-'));
    // A port that refuses connections: the download fails at once, like a machine offline.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPortUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
  });

  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function fakeModel(file: string): Promise<string> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.copyFile(TEST_MODEL, file);
    return file;
  }

  it('uses WHISPER_MODEL_PATH first', async () => {
    const configured = await fakeModel(path.join(tmp, 'configured', 'my-model.bin'));
    await fakeModel(path.join(tmp, 'cache-a', 'models', 'ggml-base.bin'));

    const model = await resolveWhisperModel({
      env: { WHISPER_MODEL_PATH: configured },
      cacheDir: path.join(tmp, 'cache-a'),
    });

    expect(model).toEqual({ path: configured, origin: 'configured' });
  });

  it('refuses a configured path that does not exist', async () => {
    const missing = path.join(tmp, 'nowhere', 'ggml-base.bin');

    const error = await resolveWhisperModel({ configuredPath: missing }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WhisperModelError);
    expect((error as WhisperModelError).code).toBe('configured-model-missing');
    expect((error as Error).message).toContain(missing);
  });

  it('refuses a configured file that is not a ggml model', async () => {
    const notAModel = path.join(tmp, 'not-a-model.bin');
    await fs.writeFile(notAModel, '<html>404 Not Found</html>');

    const error = await resolveWhisperModel({ configuredPath: notAModel }).catch((e: unknown) => e);

    expect((error as WhisperModelError).code).toBe('configured-model-invalid');
    expect((error as Error).message).toMatch(/magic/);
  });

  it('picks the best installed model and skips English-only and broken files', async () => {
    const models = path.join(tmp, 'cache-b', 'models');
    await fakeModel(path.join(models, 'ggml-base.bin'));
    await fakeModel(path.join(models, 'ggml-small.bin'));
    await fakeModel(path.join(models, 'ggml-medium.en.bin'));
    await fakeModel(path.join(models, 'ggml-medium-q5_0.bin'));
    await fs.writeFile(path.join(models, 'ggml-large-v3.bin'), 'truncated');

    const model = await resolveWhisperModel({
      env: {},
      cacheDir: path.join(tmp, 'cache-b'),
      logger,
    });

    expect(model).toEqual({ path: path.join(models, 'ggml-medium-q5_0.bin'), origin: 'installed' });
    const warnings = logger.lines.filter((line) => line.level === 'warn').map((line) => line.msg);
    expect(warnings).toContain('ignoring an English-only Whisper model');
    expect(warnings).toContain('skipping an unusable installed Whisper model');
  });

  it('falls back to the weightless test model when nothing is installed and offline', async () => {
    const started = Date.now();

    const model = await resolveWhisperModel({
      env: {},
      cacheDir: path.join(tmp, 'cache-empty'),
      downloadBaseUrl: closedPortUrl,
      progress: null,
      logger,
    });

    expect(model).toEqual({ path: TEST_MODEL, origin: 'weightless-test-model' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(logger.lines.map((line) => line.msg)).toContain('could not download the Whisper model');
  });

  it('gives up on a silent download server after the connect timeout', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const started = Date.now();

    const model = await resolveWhisperModel({
      env: {},
      cacheDir: path.join(tmp, 'cache-silent'),
      downloadBaseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      connectTimeoutMs: 300,
      progress: null,
    });
    silent.closeAllConnections();
    silent.close();

    expect(model.origin).toBe('weightless-test-model');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects a download whose checksum is wrong and leaves no file behind', async () => {
    const payload = Buffer.from('definitely not the base model');
    const requested: string[] = [];
    const server = http.createServer((req, res) => {
      requested.push(req.url ?? '');
      res.writeHead(200, { 'content-length': payload.length });
      res.end(payload);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const cacheDir = path.join(tmp, 'cache-corrupt');

    const model = await resolveWhisperModel({
      env: {},
      cacheDir,
      downloadBaseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      progress: null,
    });
    server.close();

    expect(requested).toEqual(['/ggml-base.bin']);
    expect(createHash('sha1').update(payload).digest('hex')).not.toBe(KNOWN_MODEL_SHA1.base);
    expect(model.origin).toBe('weightless-test-model');
    expect(await fs.readdir(path.join(cacheDir, 'models'))).toEqual([]);
  });

  it('finds the test model in DZVIN_TEST_MODEL_DIR', async () => {
    const dir = path.join(tmp, 'elsewhere');
    await fakeModel(path.join(dir, 'for-tests-ggml-tiny.bin'));

    const model = await resolveWhisperModel({
      env: { DZVIN_TEST_MODEL_DIR: dir },
      cacheDir: path.join(tmp, 'cache-empty'),
      download: false,
    });

    expect(model).toEqual({
      path: path.join(dir, 'for-tests-ggml-tiny.bin'),
      origin: 'weightless-test-model',
    });
  });

  it('says what to set when no model exists anywhere', async () => {
    const error = await resolveWhisperModel({
      env: {},
      cacheDir: path.join(tmp, 'cache-empty'),
      download: false,
      testModelDir: path.join(tmp, 'no-test-models'),
    }).catch((e: unknown) => e);

    expect((error as WhisperModelError).code).toBe('no-model');
    expect((error as Error).message).toMatch(/Set WHISPER_MODEL_PATH/);
  });
});
