import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { getCall } from '../db/calls-repository.js';
import type { AudioRef } from '../domain/audio.js';
import { SPEECH_FORMAT } from '../domain/audio.js';
import { GoogleApiError } from '../engines/google/google-errors.js';
import { GoogleStt } from '../engines/stt/google-stt.js';
import { GoogleTts, googleVoiceTier } from '../engines/tts/google-tts.js';
import { pcm16ToMulaw } from '../infra/audio-codec.js';
import { ConfigError, loadConfig, REPO_ROOT } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { hangupSignal, turnUpdate } from '../workflows/call-messages.js';
import { createRuntime } from '../workers/runtime.js';
import { GoogleFake } from './fakes/google-fake.js';
import { startCallHarness } from './support/call-harness.js';
import type { CallHarness } from './support/call-harness.js';
import { createTestDatabase } from './support/postgres.js';

let fake: GoogleFake;

beforeAll(async () => {
  fake = await GoogleFake.start();
});

afterAll(() => {
  fake?.stop();
});

afterEach(() => {
  fake.reset();
});

const connection = () => ({ apiEndpoint: fake.endpoint });

/** Silence of the given length: the fake bills by length and hears what it is told to. */
function pcm16k(ms: number): Buffer {
  return Buffer.alloc((SPEECH_FORMAT.sampleRateHz / 1000) * ms * 2);
}

function mulaw8k(ms: number): Buffer {
  return pcm16ToMulaw(Buffer.alloc(8 * ms * 2));
}

const MULAW_8K = { encoding: 'mulaw', sampleRateHz: 8000, channels: 1 } as const;

async function rejection(promise: Promise<unknown>): Promise<GoogleApiError> {
  const error = await promise.then(
    () => new Error('expected the call to fail'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GoogleApiError);
  return error as GoogleApiError;
}

describe('Google Speech-to-Text through the official client', () => {
  let stt: GoogleStt;

  beforeAll(() => {
    stt = new GoogleStt({ connection: connection(), timeoutMs: 1000 });
  });

  afterAll(async () => {
    await stt?.close();
  });

  it('sends telephone μ-law at 8 kHz, Ukrainian first and Russian as the alternative', async () => {
    fake.scriptRecognize({ transcript: 'Добрий день, є пральні машини?', confidence: 0.87 });

    const { transcript } = await stt.transcribe(mulaw8k(2000), MULAW_8K, { language: 'uk' });

    expect(transcript).toEqual({
      text: 'Добрий день, є пральні машини?',
      language: 'uk',
      confidence: expect.closeTo(0.87, 5) as number,
    });
    const [received] = fake.recognizeRequests;
    expect(received!.request.config).toMatchObject({
      encoding: 'MULAW',
      sampleRateHertz: 8000,
      audioChannelCount: 1,
      languageCode: 'uk-UA',
      alternativeLanguageCodes: ['ru-RU'],
      model: 'default',
    });
    expect(received!.request.audio.content.length).toBe(16_000);
  });

  it("sends 16-bit PCM at its own rate, the call's current language first", async () => {
    fake.scriptRecognize({ transcript: 'Сколько стоит доставка?', languageCode: 'ru-ru' });

    const { transcript } = await stt.transcribe(pcm16k(1000), SPEECH_FORMAT, { language: 'ru' });

    expect(transcript.language).toBe('ru');
    expect(fake.recognizeRequests[0]!.request.config).toMatchObject({
      encoding: 'LINEAR16',
      sampleRateHertz: 16_000,
      languageCode: 'ru-RU',
      alternativeLanguageCodes: ['uk-UA'],
    });
  });

  it('reports the language Google detected, even when the call was in the other one', async () => {
    fake.scriptRecognize({
      transcript: 'Скажите, пожалуйста, где мой заказ',
      languageCode: 'ru-ru',
    });

    const { transcript } = await stt.transcribe(pcm16k(1500), SPEECH_FORMAT, { language: 'uk' });

    expect(transcript.language).toBe('ru');
  });

  it('bills each request rounded up to 15 s, as Google does: 3.2 s → 15 s, 16 s → 30 s', async () => {
    for (const reportBilledTime of [true, false]) {
      fake.reportBilledTime = reportBilledTime;
      const short = await stt.transcribe(pcm16k(3200), SPEECH_FORMAT, { language: 'uk' });
      const long = await stt.transcribe(mulaw8k(16_000), MULAW_8K, { language: 'uk' });

      expect(short.usage).toEqual({ provider: 'google', audioMs: 3200, billedAudioMs: 15_000 });
      expect(long.usage).toEqual({ provider: 'google', audioMs: 16_000, billedAudioMs: 30_000 });
    }
  });

  it('hears silence as an empty transcript, not an error', async () => {
    const { transcript } = await stt.transcribe(pcm16k(800), SPEECH_FORMAT, { language: 'uk' });
    expect(transcript).toEqual({ text: '', language: 'uk' });
  });

  it('sends no credentials to a loopback endpoint, so no token is ever fetched', async () => {
    await stt.transcribe(pcm16k(500), SPEECH_FORMAT, { language: 'uk' });
    expect(fake.recognizeRequests[0]!.metadata).not.toHaveProperty('authorization');
  });

  it.each([
    [status.INVALID_ARGUMENT, 'SttBadRequest'],
    [status.UNAUTHENTICATED, 'SttAuthFailed'],
    [status.PERMISSION_DENIED, 'SttAuthFailed'],
    [status.NOT_FOUND, 'SttNotFound'],
    [status.FAILED_PRECONDITION, 'SttPreconditionFailed'],
  ])('fails for good on status %i as %s, after one request', async (code, type) => {
    fake.scriptRecognize({ fail: code, message: 'refused by the fake' });

    const error = await rejection(stt.transcribe(pcm16k(500), SPEECH_FORMAT, { language: 'uk' }));

    expect(error).toMatchObject({ name: type, retryable: false, grpcCode: code });
    expect(error.message).toContain('refused by the fake');
    expect(fake.recognizeRequests).toHaveLength(1);
  });

  it.each([
    [status.UNAVAILABLE, 'SttUnavailable'],
    [status.RESOURCE_EXHAUSTED, 'SttRateLimited'],
    [status.INTERNAL, 'SttProviderError'],
    [status.ABORTED, 'SttAborted'],
  ])(
    'leaves status %i (%s) to Temporal to retry: the client does not retry',
    async (code, type) => {
      fake.scriptRecognize({ fail: code });

      const error = await rejection(stt.transcribe(pcm16k(500), SPEECH_FORMAT, { language: 'uk' }));

      expect(error).toMatchObject({ name: type, retryable: true });
      expect(fake.recognizeRequests).toHaveLength(1);
    },
  );

  it('gives up on a stuck request at its deadline, as a retryable timeout', async () => {
    fake.scriptRecognize({ latencyMs: 5000, transcript: 'too late' });
    const startedAt = Date.now();

    const error = await rejection(stt.transcribe(pcm16k(500), SPEECH_FORMAT, { language: 'uk' }));

    expect(error).toMatchObject({ name: 'SttTimeout', retryable: true });
    expect(Date.now() - startedAt).toBeLessThan(2500);
  });
});

describe('Google Text-to-Speech through the official client', () => {
  it('speaks Ukrainian in 16 kHz PCM by default, the WAV header stripped', async () => {
    const tts = new GoogleTts({ connection: connection() });
    try {
      const speech = await tts.synthesize('Доставка коштує сто гривень.', 'uk');

      const sent = fake.synthesizeRequests[0]!.request;
      expect(sent.voice).toMatchObject({ languageCode: 'uk-UA', name: 'uk-UA-Standard-A' });
      expect(sent.audioConfig).toMatchObject({
        audioEncoding: 'LINEAR16',
        sampleRateHertz: 16_000,
        effectsProfileId: ['telephony-class-application'],
      });
      expect(speech.format).toEqual(SPEECH_FORMAT);
      expect(speech.audio.subarray(0, 4).toString('ascii')).not.toBe('RIFF');
      // The fake speaks 60 ms per character: 28 characters, 1.68 s, 26,880 samples.
      expect(speech.audio.length).toBe(26_880 * 2);
      expect(speech.durationMs).toBe(1680);
      expect(speech.usage).toEqual({
        provider: 'google',
        voice: 'uk-UA-Standard-A',
        voiceTier: 'standard',
        characters: 28,
        cached: false,
      });
    } finally {
      await tts.close();
    }
  });

  it('speaks Russian straight in telephone μ-law at 8 kHz with a configured voice', async () => {
    const tts = new GoogleTts({
      connection: connection(),
      voices: { ru: 'ru-RU-Wavenet-B' },
      format: { encoding: 'mulaw', sampleRateHz: 8000 },
    });
    try {
      const speech = await tts.synthesize('Заказ уже в пути.', 'ru');

      expect(fake.synthesizeRequests[0]!.request.audioConfig).toMatchObject({
        audioEncoding: 'MULAW',
        sampleRateHertz: 8000,
      });
      expect(fake.synthesizeRequests[0]!.request.voice.languageCode).toBe('ru-RU');
      expect(speech.format).toEqual(MULAW_8K);
      expect(speech.audio.length).toBe(17 * 60 * 8);
      expect(speech.usage).toMatchObject({ voice: 'ru-RU-Wavenet-B', voiceTier: 'wavenet' });
    } finally {
      await tts.close();
    }
  });

  it('tells each voice tier from its name and refuses a voice it cannot price', () => {
    expect(googleVoiceTier('uk-UA-Standard-A')).toBe('standard');
    expect(googleVoiceTier('ru-RU-Wavenet-D')).toBe('wavenet');
    expect(googleVoiceTier('ru-RU-Neural2-A')).toBe('neural2');
    expect(googleVoiceTier('uk-UA-Chirp3-HD-Achernar')).toBe('chirp3-hd');
    expect(() => new GoogleTts({ voices: { uk: 'uk-UA-Studio-X' } })).toThrow(/price tier/);
  });

  it('fails for good when Google does not know the voice (NOT_FOUND)', async () => {
    const tts = new GoogleTts({ connection: connection() });
    try {
      fake.scriptSynthesize({ fail: status.NOT_FOUND, message: 'voice not found' });
      const error = await rejection(tts.synthesize('Привіт', 'uk'));
      expect(error).toMatchObject({ name: 'TtsNotFound', retryable: false });
      expect(fake.synthesizeRequests).toHaveLength(1);
    } finally {
      await tts.close();
    }
  });
});

describe('start-up with Google selected', () => {
  it('refuses to start without credentials and says how to fix it', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-google-'));
    try {
      const logger = createLogger({ level: 'silent', pii: false, process: 'test' });
      const start = (env: Record<string, string>) =>
        createRuntime(loadConfig({ DZVIN_DATA_DIR: dataDir, ...env }), logger);

      await expect(start({ STT_PROVIDER: 'google' })).rejects.toThrow(ConfigError);
      await expect(start({ TTS_PROVIDER: 'google' })).rejects.toThrow(
        /GOOGLE_APPLICATION_CREDENTIALS: .*service account key file/,
      );
      await writeFile(path.join(dataDir, 'key.json'), 'not json');
      await expect(
        start({
          STT_PROVIDER: 'google',
          GOOGLE_APPLICATION_CREDENTIALS: path.join(dataDir, 'key.json'),
        }),
      ).rejects.toThrow(/cannot read a JSON key/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('builds both engines on the configured endpoint', async () => {
    const database = await createTestDatabase();
    const logger = createLogger({ level: 'silent', pii: false, process: 'test' });
    const config = loadConfig({
      DATABASE_URL: database.url,
      STT_PROVIDER: 'google',
      TTS_PROVIDER: 'google',
      GOOGLE_API_ENDPOINT: fake.endpoint,
      GOOGLE_TTS_ENCODING: 'mulaw',
      GOOGLE_TTS_VOICE_UK: 'uk-UA-Chirp3-HD-Kore',
    });
    const warnings: string[] = [];
    const collect = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', collect);
    const runtime = await createRuntime(config, logger);
    try {
      expect(runtime.whisperModel).toBeUndefined();
      fake.scriptRecognize({ transcript: 'Алло' });
      const heard = await runtime.stt.transcribe(pcm16k(700), SPEECH_FORMAT, { language: 'uk' });
      const spoken = await runtime.tts.synthesize('Слухаю вас.', 'uk');

      expect(heard.transcript.text).toBe('Алло');
      expect(spoken.format).toEqual(MULAW_8K);
      expect(spoken.usage).toMatchObject({ provider: 'google', voiceTier: 'chirp3-hd' });
      // google-auth-library warns when it looks for the GCE metadata server; it must not look.
      expect(warnings.filter((warning) => /Metadata/.test(warning))).toEqual([]);
    } finally {
      process.off('warning', collect);
      await runtime.close();
      await database.drop();
    }
  });
});

describe('whole calls on Google STT and TTS', () => {
  let harness: CallHarness;
  let stt: GoogleStt;
  let tts: GoogleTts;

  beforeAll(async () => {
    // Short deadlines so that a stuck provider shows within a few seconds.
    stt = new GoogleStt({ connection: connection(), timeoutMs: 1000 });
    tts = new GoogleTts({ connection: connection(), timeoutMs: 1000 });
    harness = await startCallHarness({ overrides: { stt, tts } });
  });

  afterAll(async () => {
    await harness?.close();
    await stt?.close();
    await tts?.close();
  });

  async function startCall() {
    const handle = await harness.startCall({ language: 'uk' });
    return { handle, callId: handle.workflowId.replace(/^call-/, '') };
  }

  async function storeMulaw(callId: string, name: string, ms: number): Promise<AudioRef> {
    const audio = mulaw8k(ms);
    const key = `call/${callId}/${name}.ulaw`;
    await harness.runtime.blobs.put(key, audio);
    return { key, format: { ...MULAW_8K }, bytes: audio.length, durationMs: ms };
  }

  it('records the cost Google bills in the calls row, equal to the price list by hand', async () => {
    const { handle, callId } = await startCall();
    const recording = await harness.storeRecording(callId, 'utt-1', 'uk/ast_uk_vm-sorry.wav');
    const phone = await storeMulaw(callId, 'utt-2', 16_000);
    fake.scriptRecognize(
      { transcript: 'Добрий день, чи є у вас пральні машини?' },
      { transcript: 'Скажите, сколько стоит доставка?', languageCode: 'ru-ru' },
    );

    const first = await handle.executeUpdate(turnUpdate, { args: [{ audio: recording }] });
    const second = await handle.executeUpdate(turnUpdate, { args: [{ audio: phone }] });
    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    const summary = await handle.result();

    expect(first.transcript.text).toBe('Добрий день, чи є у вас пральні машини?');
    expect(second.transcript.language).toBe('ru');
    expect(second.usage.stt.billedAudioMs).toBe(30_000);
    const replyAudio = await harness.runtime.blobs.get(first.reply.audio.key);
    expect(replyAudio.length).toBe(first.reply.audio.bytes);
    expect(first.reply.audio.format).toEqual(SPEECH_FORMAT);

    // By hand from the price list: STT per started 15 s, TTS per character of the Standard tier.
    const prices = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'domain', 'pricing', '2026-12-01.json'), 'utf8'),
    ) as {
      stt: { google: { usdPerMinute: number } };
      tts: { 'google:standard': { usdPerMChars: number } };
    };
    const billedMs =
      Math.ceil(recording.durationMs / 15_000) * 15_000 + Math.ceil(16_000 / 15_000) * 15_000;
    const characters = fake.synthesizeRequests
      .map((received) => [...received.request.input.text].length)
      .reduce((sum, count) => sum + count, 0);
    const sttUsd = (prices.stt.google.usdPerMinute * billedMs) / 60_000;
    const ttsUsd = (prices.tts['google:standard'].usdPerMChars * characters) / 1_000_000;

    const row = await getCall(harness.runtime.database.db, callId);
    expect(row).toMatchObject({ sttProvider: 'google', turns: 2, endReason: 'caller-hung-up' });
    expect(row!.costBreakdown).toMatchObject({
      usage: { sttBilledAudioMs: billedMs, ttsCharacters: characters },
      components: { stt: sttUsd.toFixed(9), tts: ttsUsd.toFixed(9) },
      sttByProvider: { google: sttUsd.toFixed(9) },
      ttsByProvider: { google: ttsUsd.toFixed(9) },
    });
    expect(row!.totalCostUsd).toBe((sttUsd + ttsUsd).toFixed(9));
    expect(summary.totalCostUsd).toBe(row!.totalCostUsd);
    expect(fake.synthesizeRequests).toHaveLength(2);
  });

  it('fails a turn Google refuses as invalid at once, and the call goes on', async () => {
    const { handle, callId } = await startCall();
    const audio = await storeMulaw(callId, 'utt-1', 2000);
    fake.scriptRecognize({ fail: status.INVALID_ARGUMENT, message: 'bad sample rate' });

    const failure = await turnFailure(handle.executeUpdate(turnUpdate, { args: [{ audio }] }));

    expect(failure.type).toBe('SttBadRequest');
    expect(failure.message).toMatch(/INVALID_ARGUMENT.*bad sample rate/);
    expect(fake.recognizeRequests).toHaveLength(1);

    fake.scriptRecognize({ transcript: 'Алло, ви мене чуєте?' });
    const next = await handle.executeUpdate(turnUpdate, { args: [{ audio }] });
    expect(next.transcript.text).toBe('Алло, ви мене чуєте?');
    expect(next.reply.text.length).toBeGreaterThan(0);

    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    expect(await handle.result()).toMatchObject({ turns: 1, failedTurns: 1 });
  });

  it('retries a brief outage and answers the turn', async () => {
    const { handle, callId } = await startCall();
    const audio = await storeMulaw(callId, 'utt-1', 2000);
    fake.scriptRecognize(
      { fail: status.UNAVAILABLE },
      { fail: status.UNAVAILABLE },
      { transcript: 'Де моє замовлення?' },
    );
    fake.scriptSynthesize({ fail: status.UNAVAILABLE });

    const turn = await handle.executeUpdate(turnUpdate, { args: [{ audio }] });

    expect(turn.transcript.text).toBe('Де моє замовлення?');
    expect(fake.recognizeRequests).toHaveLength(3);
    expect(fake.synthesizeRequests).toHaveLength(2);
    // One turn bills one successful recognition, not the failed attempts.
    expect(turn.usage.stt.billedAudioMs).toBe(15_000);
    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    await handle.result();
  });

  it('ends every turn of an outage with a clear reason within the turn timeout', async () => {
    const { handle, callId } = await startCall();
    const audio = await storeMulaw(callId, 'utt-1', 2000);

    fake.outage('speech', { fail: status.UNAVAILABLE, message: 'backend unreachable' });
    for (let turn = 0; turn < 2; turn += 1) {
      const startedAt = Date.now();
      const failure = await turnFailure(handle.executeUpdate(turnUpdate, { args: [{ audio }] }));
      expect(failure.type).toBe('SttUnavailable');
      expect(failure.message).toMatch(/UNAVAILABLE.*backend unreachable/);
      expect(Date.now() - startedAt).toBeLessThan(20_000);
    }
    expect(fake.recognizeRequests).toHaveLength(6);

    // A provider that hangs instead of refusing: each attempt stops at the client's deadline.
    fake.outage('speech', { latencyMs: 60_000 });
    const startedAt = Date.now();
    const stuck = await turnFailure(handle.executeUpdate(turnUpdate, { args: [{ audio }] }));
    expect(stuck.type).toBe('SttTimeout');
    expect(stuck.message).toMatch(/DEADLINE_EXCEEDED/);
    expect(Date.now() - startedAt).toBeLessThan(20_000);

    fake.outage('speech', undefined);
    fake.outage('tts', { fail: status.UNAVAILABLE });
    fake.scriptRecognize({ transcript: 'Алло?' });
    const silent = await turnFailure(handle.executeUpdate(turnUpdate, { args: [{ audio }] }));
    expect(silent.type).toBe('TtsUnavailable');

    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    expect(await handle.result()).toMatchObject({ turns: 0, failedTurns: 4 });
  });
});

/** The failure type and message a bridge sees when a turn's Update fails. */
async function turnFailure(update: Promise<unknown>): Promise<{ type?: string; message: string }> {
  const error = await update.then(
    () => new Error('expected the turn to fail'),
    (reason: unknown) => reason,
  );
  let type: string | undefined;
  let message = String(error);
  let current: unknown = error;
  while (current instanceof Error) {
    const failureType = (current as { type?: unknown }).type;
    if (type === undefined && typeof failureType === 'string') type = failureType;
    message = current.message;
    current = current.cause;
  }
  return { type, message };
}
