import { v1 as speechV1 } from '@google-cloud/speech';
import type { protos } from '@google-cloud/speech';

import { audioDurationMs } from '../../domain/audio.js';
import type { AudioFormat } from '../../domain/audio.js';
import { detectLanguage } from '../../domain/language.js';
import type { Language } from '../../domain/language.js';
import type { SttUsage, Transcript } from '../../domain/usage.js';
import { googleClientOptions } from '../google/google-connection.js';
import type { GoogleConnection } from '../google/google-connection.js';
import { GoogleApiError, toGoogleApiError } from '../google/google-errors.js';
import type { LanguageHint, SpeechToText } from '../types.js';

type RecognitionConfig = protos.google.cloud.speech.v1.IRecognitionConfig;
type RecognizeResponse = protos.google.cloud.speech.v1.IRecognizeResponse;

/** BCP-47 codes Google uses for the languages dzvin speaks. */
export const GOOGLE_LANGUAGE_CODES: Record<Language, string> = { uk: 'uk-UA', ru: 'ru-RU' };

/**
 * Speech-to-Text v1 bills standard models per request, each rounded up to a whole 15 seconds
 * (cloud.google.com/speech-to-text/pricing, "Speech-to-Text V1"); domain/pricing keeps the price.
 */
export const GOOGLE_STT_BILLING_INCREMENT_MS = 15_000;

/**
 * The v1 model. `phone_call` (and `telephony` in v2) is trained on 8 kHz calls, but the
 * language table lists it for a short set of languages, and a model a language lacks fails the
 * whole request with INVALID_ARGUMENT; availability for uk-UA could not be confirmed, so the
 * default model, offered for every language, is the safe choice. Set `model` (GOOGLE_STT_MODEL)
 * once the project's languages are confirmed for a better one.
 */
export const GOOGLE_STT_DEFAULT_MODEL = 'default';

/**
 * A turn's recognition must leave room for two retries inside the activity's 20 s: Google
 * answers a short utterance in well under a second, so 6 s only catches a stuck request.
 */
export const GOOGLE_STT_DEFAULT_TIMEOUT_MS = 6_000;

export interface GoogleSttOptions {
  connection?: GoogleConnection;
  /** @default GOOGLE_STT_DEFAULT_MODEL */
  model?: string;
  /** Deadline of one Recognize call. @default GOOGLE_STT_DEFAULT_TIMEOUT_MS */
  timeoutMs?: number;
  /** A client built elsewhere (shared, or with extra options); closed by `close()` all the same. */
  client?: speechV1.SpeechClient;
}

/**
 * Speech-to-text with Google Cloud Speech-to-Text v1 through the official SDK. Takes telephone
 * μ-law or 16-bit PCM at its own rate, as is: Google accepts both, so nothing is resampled.
 *
 * One synchronous `Recognize` per utterance rather than `StreamingRecognize`: the bridge already
 * cuts speech into finished utterances of at most 60 s (Recognize's own limit) and sends each
 * as a turn, so a stream would carry the same bytes at once and only add a connection to manage.
 * Streaming pays off when audio flows while the caller still speaks, which the turn model does
 * not do yet.
 *
 * The client's own retries are off: Temporal's activity retry policy owns retries, and two
 * layers of them would multiply a turn's wait.
 */
export class GoogleStt implements SpeechToText {
  readonly provider = 'google';
  private readonly client: speechV1.SpeechClient;
  private readonly model: string;
  private readonly timeoutMs: number;

  constructor(options: GoogleSttOptions = {}) {
    this.client =
      options.client ?? new speechV1.SpeechClient(googleClientOptions(options.connection ?? {}));
    this.model = options.model ?? GOOGLE_STT_DEFAULT_MODEL;
    this.timeoutMs = options.timeoutMs ?? GOOGLE_STT_DEFAULT_TIMEOUT_MS;
  }

  /**
   * Recognizes one utterance, trying the call's current language first and the other one as
   * an alternative, so a caller who switches language is still understood.
   *
   * Thrown: {@link GoogleApiError}, named by failure type (`SttBadRequest`, `SttUnavailable`, …)
   * and `retryable` false for faults no retry can fix.
   */
  async transcribe(
    audio: Buffer,
    format: AudioFormat,
    hint: LanguageHint,
  ): Promise<{ transcript: Transcript; usage: SttUsage }> {
    const config = this.recognitionConfig(format, hint.language);
    const audioMs = audioDurationMs(audio.length, format);

    let response: RecognizeResponse;
    try {
      [response] = await this.client.recognize(
        { config, audio: { content: audio } },
        { timeout: this.timeoutMs, retry: null },
      );
    } catch (error) {
      throw toGoogleApiError('stt', error);
    }

    return {
      transcript: readTranscript(response, hint.language),
      usage: {
        provider: this.provider,
        audioMs,
        billedAudioMs: billedDurationMs(response, audioMs),
      },
    };
  }

  /** Closes the client's channel. */
  async close(): Promise<void> {
    await this.client.close();
  }

  private recognitionConfig(format: AudioFormat, language: Language): RecognitionConfig {
    if (format.channels !== 1) {
      throw new GoogleApiError('stt', 'BadRequest', `expected mono audio, got ${format.channels}`);
    }
    const other = language === 'uk' ? 'ru' : 'uk';
    return {
      encoding: format.encoding === 'mulaw' ? 'MULAW' : 'LINEAR16',
      sampleRateHertz: format.sampleRateHz,
      audioChannelCount: 1,
      languageCode: GOOGLE_LANGUAGE_CODES[language],
      alternativeLanguageCodes: [GOOGLE_LANGUAGE_CODES[other]],
      model: this.model,
      enableAutomaticPunctuation: true,
      maxAlternatives: 1,
    };
  }
}

/**
 * What Google bills for one request: `totalBilledTime` when the response carries it, otherwise
 * the audio's length rounded up to the next 15 s increment.
 */
export function billedDurationMs(response: RecognizeResponse, audioMs: number): number {
  const billed = response.totalBilledTime;
  if (billed) {
    const ms = Number(billed.seconds ?? 0) * 1000 + Math.round((billed.nanos ?? 0) / 1e6);
    if (ms > 0) return ms;
  }
  return roundUpToIncrement(audioMs);
}

/** Rounds a duration up to Google's 15 s billing increment; any audio bills at least one. */
export function roundUpToIncrement(audioMs: number): number {
  const increments = Math.max(1, Math.ceil(audioMs / GOOGLE_STT_BILLING_INCREMENT_MS));
  return increments * GOOGLE_STT_BILLING_INCREMENT_MS;
}

/**
 * Joins the best alternative of each result (Google splits longer speech into consecutive
 * results). Confidence is the mean of those Google reported: 0 means "not set" in its API.
 */
function readTranscript(response: RecognizeResponse, hint: Language): Transcript {
  const best = (response.results ?? [])
    .map((result) => ({ alternative: result.alternatives?.[0], languageCode: result.languageCode }))
    .filter((entry) => entry.alternative?.transcript);
  const text = best
    .map((entry) => entry.alternative!.transcript!.trim())
    .join(' ')
    .trim();

  const confidences = best
    .map((entry) => entry.alternative!.confidence ?? 0)
    .filter((value) => value > 0);
  const confidence =
    confidences.length > 0
      ? confidences.reduce((sum, value) => sum + value, 0) / confidences.length
      : undefined;

  const reported = best.map((entry) => toLanguage(entry.languageCode)).find(Boolean);
  const language = reported ?? detectLanguage(text, hint);
  return confidence === undefined ? { text, language } : { text, language, confidence };
}

/** Google reports codes such as `uk-ua` or `ru-RU`; case varies. */
function toLanguage(code: string | null | undefined): Language | undefined {
  const prefix = code?.toLowerCase().split('-')[0];
  return prefix === 'uk' || prefix === 'ru' ? prefix : undefined;
}
