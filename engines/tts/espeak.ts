import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

import { audioDurationMs, SPEECH_FORMAT } from '../../domain/audio.js';
import type { Language } from '../../domain/language.js';
import { floatToPcm16, pcm16ToFloat, resampleMono } from '../../infra/audio-codec.js';
import { parseWav } from '../../infra/wav.js';
import type { SynthesizedSpeech, TextToSpeech, TtsVoiceSettings } from '../types.js';
import { prepareSpeechText } from './speech-text.js';

/** Where {@link EspeakTts} logs: pino's logger fits, values go in the object. */
export interface EspeakLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type EspeakErrorCode =
  'not-installed' | 'empty-text' | 'synthesis-failed' | 'timeout' | 'runner-exited';

/**
 * Thrown by {@link EspeakTts}. `retryable` is false for faults a retry cannot fix (package
 * missing, nothing to say, eSpeak refusing the input) and true when the runner process hung
 * or died, since a fresh runner is started for the next request.
 */
export class EspeakError extends Error {
  readonly code: EspeakErrorCode;
  readonly retryable: boolean;

  constructor(code: EspeakErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EspeakError';
    this.code = code;
    this.retryable = code === 'timeout' || code === 'runner-exited';
  }
}

export const ESPEAK_NOT_INSTALLED_MESSAGE =
  'eSpeak NG is not installed: npm install espeak-ng, or configure Google TTS';

/** eSpeak NG voice names for the languages dzvin speaks. */
export const ESPEAK_VOICES: Record<Language, string> = { uk: 'uk', ru: 'ru' };

/**
 * Longest text spoken in one request. At eSpeak's default 175 words a minute, 1,000 characters
 * of Ukrainian or Russian last about a minute: far beyond any one reply of a phone agent.
 */
export const ESPEAK_MAX_CHARACTERS = 1000;

/** eSpeak NG's own speaking rate, in words per minute, used when none is configured. */
export const ESPEAK_DEFAULT_RATE_WPM = 175;

export interface EspeakTtsOptions {
  logger?: EspeakLogger;
  /** @default ESPEAK_MAX_CHARACTERS */
  maxCharacters?: number;
  /**
   * Longest wait for one synthesis before the runner is killed and restarted. A 1,000-character
   * text takes about 2 s on one loaded core here, so 20 s only catches a hung runner.
   * @default 20_000
   */
  timeoutMs?: number;
  /** Speaking rate in words per minute; eSpeak's own default (175) when unset. */
  rateWpm?: number;
  /** Package the runner loads; only tests and vendored builds change it. @default 'espeak-ng' */
  packageName?: string;
}

interface Pending {
  resolve: (wav: Buffer) => void;
  reject: (error: EspeakError) => void;
  timer: NodeJS.Timeout;
}

type RunnerMessage =
  | { type: 'ready'; startupMs: number }
  | { type: 'unavailable'; message: string }
  | { type: 'result'; id: number; wav: Uint8Array }
  | { type: 'failed'; id: number; message: string };

const RUNNER_PATH = fileURLToPath(new URL('./espeak-runner.mjs', import.meta.url));
const silentLogger: EspeakLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Text-to-speech with eSpeak NG (Ukrainian and Russian voices), the embedded default when no
 * Google credentials are configured. Returns 16 kHz mono PCM16.
 *
 * eSpeak NG is GPL-3.0-or-later, so it runs in its own process (`espeak-runner.mjs`), started
 * on the first request (or by `warmUp`) and kept warm. Measured on this project's 2-core
 * machine during a parallel C++ build: a runner takes 0.25–0.33 s from fork to ready (Node
 * start-up, then 0.07–0.11 s to import and compile the 18 MB WebAssembly build), and a phrase
 * in a warm runner 0.3–0.7 s (about 0.2 s on an idle core), so starting a process per phrase
 * would add roughly half again to every reply.
 */
export class EspeakTts implements TextToSpeech {
  readonly provider = 'espeak-ng';
  private readonly logger: EspeakLogger;
  private readonly maxCharacters: number;
  private readonly timeoutMs: number;
  private runner: ChildProcess | undefined;
  private ready: Promise<ChildProcess> | undefined;
  private unavailable: EspeakError | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly options: EspeakTtsOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.maxCharacters = options.maxCharacters ?? ESPEAK_MAX_CHARACTERS;
    this.timeoutMs = options.timeoutMs ?? 20_000;
  }

  /** Process id of the running eSpeak runner, if one is started. */
  get runnerPid(): number | undefined {
    return this.runner?.pid;
  }

  /** Starts the runner now rather than on the first request. */
  async warmUp(): Promise<void> {
    await this.start();
  }

  /**
   * Speaks `text` literally in the language's voice. Control characters and markup are not
   * obeyed; text past the character limit is cut at a sentence end (see `prepareSpeechText`).
   */
  async synthesize(text: string, language: Language): Promise<SynthesizedSpeech> {
    const voice = ESPEAK_VOICES[language];
    const speech = prepareSpeechText(text, this.maxCharacters);
    if (speech.text === '') {
      throw new EspeakError('empty-text', 'nothing to speak: the text is empty after cleaning');
    }
    if (speech.truncated) {
      this.logger.warn(
        {
          originalCharacters: speech.originalCharacters,
          limit: this.maxCharacters,
        },
        'text too long for one synthesis, cut at a sentence end',
      );
    }

    const wav = await this.request(voice, speech.text);
    const pcm = toSpeechPcm(wav);
    return {
      audio: pcm,
      format: { ...SPEECH_FORMAT },
      durationMs: audioDurationMs(pcm.length, SPEECH_FORMAT),
      usage: { provider: this.provider, voice, characters: [...speech.text].length, cached: false },
    };
  }

  /** The voice, output format and rate `synthesize` uses; the text limit decides cuts too. */
  voiceSettings(language: Language): TtsVoiceSettings {
    return {
      voice: ESPEAK_VOICES[language],
      format: { ...SPEECH_FORMAT },
      speakingRate: this.options.rateWpm ?? ESPEAK_DEFAULT_RATE_WPM,
      extra: { maxCharacters: this.maxCharacters },
    };
  }

  /** Stops the runner. A later request starts a new one. */
  async close(): Promise<void> {
    const runner = this.runner;
    if (!runner) return;
    const exited = new Promise<void>((resolve) => runner.once('exit', () => resolve()));
    // Waiting for the exit must hold this process open, which an unref'd child does not.
    runner.ref();
    runner.kill();
    await exited;
  }

  private async request(voice: string, text: string): Promise<Buffer> {
    const id = this.nextId++;
    // The clock starts before the runner does, so a runner hung at start-up is caught too.
    const answer = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.logger.error(
          { timeoutMs: this.timeoutMs, pid: this.runner?.pid },
          'eSpeak NG runner did not answer in time, restarting it',
        );
        this.failAll(new EspeakError('timeout', `eSpeak NG gave no audio in ${this.timeoutMs} ms`));
        this.runner?.kill('SIGKILL');
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    // Rejections reach the caller through the returned promise; this only stops Node from
    // calling one unhandled while the runner is still starting.
    answer.catch(() => undefined);

    let runner: ChildProcess;
    try {
      runner = await this.start();
    } catch (error) {
      const entry = this.pending.get(id);
      if (!entry) return answer;
      clearTimeout(entry.timer);
      this.pending.delete(id);
      throw error;
    }
    // Keep this process alive while an answer is due, and only then.
    runner.channel?.ref();
    runner.send({ type: 'synthesize', id, voice, text, rateWpm: this.options.rateWpm });
    return answer;
  }

  private start(): Promise<ChildProcess> {
    if (this.unavailable) return Promise.reject(this.unavailable);
    this.ready ??= this.spawnRunner();
    return this.ready;
  }

  private spawnRunner(): Promise<ChildProcess> {
    const packageName = this.options.packageName ?? 'espeak-ng';
    // execArgv: [] so that the runner is plain Node, free of this process's loaders and hooks.
    const forkedAt = performance.now();
    const runner = fork(RUNNER_PATH, [packageName], {
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.runner = runner;
    const stderrTail: string[] = [];
    runner.stderr?.setEncoding('utf8');
    runner.stderr?.on('data', (chunk: string) => {
      stderrTail.push(chunk);
      if (stderrTail.length > 20) stderrTail.shift();
    });
    // Neither the idle runner nor its stderr pipe may keep this process from exiting.
    runner.unref();
    // With stdio 'pipe' the stream is a net.Socket, whose type the ChildProcess typings hide.
    (runner.stderr as Socket | null)?.unref();

    return new Promise<ChildProcess>((resolve, reject) => {
      runner.on('message', (message: RunnerMessage) => {
        if (message.type === 'ready') {
          this.logger.info(
            {
              pid: runner.pid,
              startupMs: Math.round(performance.now() - forkedAt),
              importAndCompileMs: message.startupMs,
            },
            'eSpeak NG runner started',
          );
          runner.channel?.unref();
          resolve(runner);
        } else if (message.type === 'unavailable') {
          this.unavailable = new EspeakError('not-installed', ESPEAK_NOT_INSTALLED_MESSAGE, {
            cause: new Error(message.message),
          });
          this.logger.error({ reason: message.message }, ESPEAK_NOT_INSTALLED_MESSAGE);
          reject(this.unavailable);
        } else {
          this.settle(message);
        }
      });
      runner.on('error', (error) => {
        reject(
          new EspeakError('runner-exited', 'cannot start the eSpeak NG runner', { cause: error }),
        );
      });
      runner.on('exit', (exitCode, signal) => {
        if (this.runner === runner) {
          this.runner = undefined;
          this.ready = undefined;
        }
        const error = new EspeakError(
          'runner-exited',
          `eSpeak NG runner exited (code ${exitCode}, signal ${signal})`,
        );
        if (this.pending.size > 0) {
          this.logger.error(
            { exitCode, signal, stderr: stderrTail.join('').slice(-2000) },
            'eSpeak NG runner exited with requests pending',
          );
        }
        this.failAll(error);
        reject(this.unavailable ?? error);
      });
    });
  }

  private settle(message: Extract<RunnerMessage, { id: number }>): void {
    const entry = this.pending.get(message.id);
    if (!entry) return;
    this.pending.delete(message.id);
    clearTimeout(entry.timer);
    if (this.pending.size === 0) this.runner?.channel?.unref();
    if (message.type === 'result') {
      entry.resolve(
        Buffer.from(message.wav.buffer, message.wav.byteOffset, message.wav.byteLength),
      );
    } else {
      entry.reject(new EspeakError('synthesis-failed', `eSpeak NG failed: ${message.message}`));
    }
  }

  private failAll(error: EspeakError): void {
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    this.pending.clear();
  }
}

/** eSpeak writes 16-bit mono WAV at its native 22,050 Hz; engines take 16 kHz. */
function toSpeechPcm(wav: Buffer): Buffer {
  let parsed: ReturnType<typeof parseWav>;
  try {
    parsed = parseWav(wav);
  } catch (error) {
    throw new EspeakError('synthesis-failed', 'eSpeak NG wrote an unreadable WAV', {
      cause: error,
    });
  }
  const { data, format } = parsed;
  if (format.encoding !== 'pcm_s16le' || format.channels !== 1) {
    throw new EspeakError('synthesis-failed', `unexpected eSpeak NG output: ${format.encoding}`);
  }
  const samples = resampleMono(pcm16ToFloat(data), format.sampleRateHz, SPEECH_FORMAT.sampleRateHz);
  return floatToPcm16(samples);
}
