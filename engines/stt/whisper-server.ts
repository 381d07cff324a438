import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

import type { AudioFormat } from '../../domain/audio.js';
import { detectLanguage } from '../../domain/language.js';
import type { Language } from '../../domain/language.js';
import type { SttUsage, Transcript } from '../../domain/usage.js';
import type { LanguageHint, SpeechToText } from '../types.js';
import { toWhisperWav } from './whisper-audio.js';
import { ensureWhisperServer } from './whisper-build.js';
import type { WhisperDevice } from './whisper-build.js';
import { WhisperServerError } from './whisper-errors.js';
import { cleanWhisperText, isHallucinatedSegment } from './whisper-hallucinations.js';
import type { WhisperSegmentEvidence } from './whisper-hallucinations.js';
import { voicedMs } from './voicing.js';
import { WhisperProcess } from './whisper-process.js';
import { silentLogger } from './whisper-support.js';
import type { EngineLogger } from './whisper-support.js';

/** Loading large-v3 (3 GB) from a cold disk on a small machine took up to a minute. */
const DEFAULT_STARTUP_TIMEOUT_MS = 120_000;
/**
 * large-v2 shapes cost ~45 s per encoder pass on 2 CPU cores (see ../shared/models/README.md),
 * and a low-confidence decode is repeated at higher temperatures; three minutes covers both.
 */
const DEFAULT_REQUEST_TIMEOUT_MS = 180_000;
/**
 * Five 16 ms hops of voiced frames: every recording in ../shared/audio has over 1.8 s, white noise
 * none (engines/stt/voicing.ts), and a one-syllable "так" has more than this.
 */
const DEFAULT_MIN_VOICED_MS = 80;
/** `encodeWav` writes the canonical 44-byte header before the samples. */
const WAV_HEADER_BYTES = 44;
/** Long enough for the exit of a crashed server to be reported after its socket closed. */
const CRASH_SETTLE_MS = 250;

/** whisper.cpp reports languages by full English name in `verbose_json`. */
const LANGUAGE_BY_WHISPER_NAME: Record<string, Language> = {
  uk: 'uk',
  ukrainian: 'uk',
  ru: 'ru',
  russian: 'ru',
};

export interface WhisperServerSttOptions {
  /** A ggml model file, e.g. from `resolveWhisperModel()`. */
  modelPath: string;
  /** @default built on first use by `ensureWhisperServer({ device })` */
  binaryPath?: string;
  /** @default 'cpu' */
  device?: WhisperDevice;
  /** @default min(4, available CPU cores) */
  threads?: number;
  /**
   * 'hint' decodes in the call's current language, except while the caller has not been heard
   * yet (`hint.detect`): then Whisper detects it, which costs one more encoder pass. 'auto'
   * detects on every utterance, following a caller who switches language at that price.
   * @default 'hint'
   */
  languageMode?: 'hint' | 'auto';
  /**
   * An utterance with less voiced sound than this is answered with an empty transcript without
   * asking Whisper, which on pure noise invents words and can decode for minutes. 0 sends all.
   * @default 80
   */
  minVoicedMs?: number;
  /** @default 120000 */
  startupTimeoutMs?: number;
  /** @default 180000 */
  requestTimeoutMs?: number;
  logger?: EngineLogger;
}

interface VerboseJson {
  text?: string;
  language?: string;
  segments?: (WhisperSegmentEvidence & { words?: { probability?: number }[] })[];
}

/**
 * Speech-to-text on whisper.cpp's HTTP server, kept running with its model loaded. Requests go
 * one at a time (the server holds one model context); a server that dies is restarted on the
 * next request, which is retried once.
 */
export class WhisperServerStt implements SpeechToText {
  readonly provider = 'whisper.cpp';

  private server: WhisperProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private restartCount = 0;
  private readonly logger: EngineLogger;

  constructor(private readonly options: WhisperServerSttOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Server processes running now: 1 once started, 0 before, after a crash or after close. */
  get instances(): number {
    return this.server?.alive ? 1 : 0;
  }

  /** Process id of the running server, for diagnostics. */
  get pid(): number | undefined {
    return this.server?.alive ? this.server.pid : undefined;
  }

  /** How many times a dead server was replaced. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Starts the server and loads the model now instead of on the first utterance. */
  start(): Promise<void> {
    return this.enqueue(async () => {
      await this.ensureServer();
    });
  }

  /**
   * Transcribes one utterance (16-bit PCM or μ-law, any rate from 8 to 48 kHz, mono).
   *
   * Thrown for unusable audio: {@link WhisperInputError} (not retryable). Thrown when the server
   * fails: {@link WhisperServerError}, with `retryable` set.
   */
  async transcribe(
    audio: Buffer,
    format: AudioFormat,
    hint: LanguageHint,
  ): Promise<{ transcript: Transcript; usage: SttUsage }> {
    const { wav, audioMs } = toWhisperWav(audio, format);
    const usage = { provider: this.provider, audioMs, billedAudioMs: audioMs };
    const minVoicedMs = this.options.minVoicedMs ?? DEFAULT_MIN_VOICED_MS;
    if (minVoicedMs > 0) {
      const voiced = voicedMs(wav.subarray(WAV_HEADER_BYTES));
      if (voiced < minVoicedMs) {
        this.logger.info({ audioMs, voicedMs: voiced }, 'no voiced sound: not sent to Whisper');
        // Whisper's cost is its compute time, and none was spent.
        return {
          transcript: { text: '', language: hint.language },
          usage: { ...usage, billedAudioMs: 0 },
        };
      }
    }
    const detect = this.options.languageMode === 'auto' || hint.detect === true;
    const transcript = await this.enqueue(async () => {
      if (!detect) return await this.recognize(wav, hint.language);
      const detected = await this.recognize(wav, 'auto', hint.language);
      // Nothing said is nothing said in any language: no second decode for it.
      if (detected.language !== undefined || detected.transcript.text === '') {
        return detected.transcript;
      }
      // Whisper heard a language the agent does not speak: on telephone audio that is nearly
      // always Ukrainian or Russian misheard, so decode again in the call's language.
      this.logger.info(
        { hint: hint.language },
        'Whisper detected neither uk nor ru; decoding with the hint',
      );
      return await this.recognize(wav, hint.language);
    });
    return { transcript, usage };
  }

  /** Stops the server. Later calls fail with a non-retryable `closed` error. */
  async close(): Promise<void> {
    this.closed = true;
    await this.server?.stop();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * One request to the server, retried once on a fresh server when the connection broke. With
   * `language` 'auto' the result says which of the agent's languages Whisper detected
   * (undefined: another one); otherwise the transcript is decoded in `language`.
   */
  private recognize(wav: Buffer, language: Language): Promise<Transcript>;
  private recognize(
    wav: Buffer,
    language: 'auto',
    fallback: Language,
  ): Promise<{ transcript: Transcript; language: Language | undefined }>;
  private async recognize(
    wav: Buffer,
    language: Language | 'auto',
    fallback?: Language,
  ): Promise<Transcript | { transcript: Transcript; language: Language | undefined }> {
    const result = await this.request(wav, language);
    const hint = language === 'auto' ? (fallback ?? 'uk') : language;
    const transcript = this.toTranscript(result, hint, language === 'auto');
    if (language !== 'auto') return transcript;
    return {
      transcript,
      language: LANGUAGE_BY_WHISPER_NAME[(result.language ?? '').toLowerCase()],
    };
  }

  private async request(wav: Buffer, language: Language | 'auto'): Promise<VerboseJson> {
    const server = await this.ensureServer();
    try {
      return await this.post(server, wav, language);
    } catch (error) {
      if (!isConnectionFailure(error) || this.closed) throw error;
      // The socket broke: either the server crashed (restart it) or only the connection did.
      await Promise.race([server.exited, sleep(CRASH_SETTLE_MS)]);
      this.logger.warn(
        { pid: server.pid, serverAlive: server.alive },
        'whisper-server request failed, retrying once',
      );
      return await this.post(await this.ensureServer(), wav, language);
    }
  }

  private async ensureServer(): Promise<WhisperProcess> {
    if (this.closed) {
      throw new WhisperServerError('closed', 'the Whisper engine was closed', false);
    }
    if (this.server?.alive) return this.server;

    const previous = this.server;
    if (previous) {
      this.restartCount++;
      this.logger.warn(
        { previousPid: previous.pid, ...previous.exit, restarts: this.restartCount },
        'restarting whisper-server',
      );
    }
    const device = this.options.device ?? 'cpu';
    const binaryPath =
      this.options.binaryPath ?? (await ensureWhisperServer({ device, logger: this.logger }));
    const startedAt = Date.now();
    const server = await WhisperProcess.start({
      binaryPath,
      modelPath: this.options.modelPath,
      threads: this.options.threads ?? Math.min(4, os.availableParallelism()),
      device,
      startupTimeoutMs: this.options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS,
      logger: this.logger,
    });
    this.server = server;
    void server.exited.then((exit) => {
      if (this.closed || this.server !== server) return;
      this.logger.warn(
        { pid: server.pid, ...exit, output: server.outputTail().split('\n').slice(-5) },
        'whisper-server exited unexpectedly',
      );
    });
    this.logger.info(
      { pid: server.pid, model: this.options.modelPath, device, loadMs: Date.now() - startedAt },
      'whisper-server started',
    );
    return server;
  }

  private async post(
    server: WhisperProcess,
    wav: Buffer,
    language: Language | 'auto',
  ): Promise<VerboseJson> {
    const form = new FormData();
    form.append('file', new Blob([wav], { type: 'audio/wav' }), 'utterance.wav');
    form.append('response_format', 'verbose_json');
    form.append('language', language);
    form.append('temperature', '0');
    // One utterance needs no timestamps, and the language probabilities cost a second encoder pass.
    form.append('no_timestamps', 'true');
    form.append('no_language_probabilities', 'true');
    // Suppressing non-speech tokens keeps most "[Music]"-style tags out in the first place.
    form.append('suppress_nst', 'true');

    const timeoutMs = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let response: Response;
    try {
      response = await fetch(`${server.baseUrl}/inference`, {
        method: 'POST',
        body: form,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      if (cause instanceof Error && cause.name === 'TimeoutError') {
        throw new WhisperServerError(
          'request-timeout',
          `whisper-server gave no transcript within ${timeoutMs} ms`,
          true,
          { cause },
        );
      }
      throw new WhisperServerError('request-failed', 'whisper-server did not answer', true, {
        cause,
      });
    }

    const body = await response.text();
    if (!response.ok) {
      throw new WhisperServerError(
        'request-failed',
        `whisper-server answered HTTP ${response.status}: ${body.slice(0, 200)}`,
        response.status >= 500,
        { status: response.status },
      );
    }
    return parseVerboseJson(body);
  }

  private toTranscript(result: VerboseJson, hint: Language, detected: boolean): Transcript {
    const raw = (result.text ?? '').trim();
    // Segments invented on noise or silence go first; the text of the rest is then cleaned.
    const segments = (result.segments ?? []).filter((segment) => !isHallucinatedSegment(segment));
    const spoken = result.segments
      ? segments
          .map((segment) => segment.text ?? '')
          .join('')
          .trim()
      : raw;
    const text = cleanWhisperText(spoken);
    if (text !== raw) {
      this.logger.info(
        {
          pii: { raw },
          kept: text !== '',
          droppedSegments: (result.segments?.length ?? 0) - segments.length,
        },
        'removed Whisper non-speech output',
      );
    }
    const reported = LANGUAGE_BY_WHISPER_NAME[(result.language ?? '').toLowerCase()];
    // A forced language is only our hint echoed back; the letters in the text are evidence.
    const language = detected && reported ? reported : detectLanguage(text, hint);
    const probabilities = segments.flatMap((segment) =>
      (segment.words ?? []).map((word) => word.probability ?? 0),
    );
    if (text === '' || probabilities.length === 0) return { text, language };
    const confidence = probabilities.reduce((sum, p) => sum + p, 0) / probabilities.length;
    return { text, language, confidence: Math.min(1, Math.max(0, confidence)) };
  }
}

function parseVerboseJson(body: string): VerboseJson {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) return parsed;
  } catch (cause) {
    throw new WhisperServerError('bad-response', 'whisper-server sent invalid JSON', true, {
      cause,
    });
  }
  throw new WhisperServerError('bad-response', 'whisper-server sent no JSON object', true);
}

function isConnectionFailure(error: unknown): boolean {
  return (
    error instanceof WhisperServerError &&
    error.code === 'request-failed' &&
    error.status === undefined
  );
}
