import { v1 as ttsV1 } from '@google-cloud/text-to-speech';
import type { protos } from '@google-cloud/text-to-speech';

import { audioDurationMs, SPEECH_FORMAT } from '../../domain/audio.js';
import type { AudioFormat } from '../../domain/audio.js';
import type { Language } from '../../domain/language.js';
import { parseWav } from '../../infra/wav.js';
import { googleClientOptions } from '../google/google-connection.js';
import type { GoogleConnection } from '../google/google-connection.js';
import { GoogleApiError, toGoogleApiError } from '../google/google-errors.js';
import type { SynthesizedSpeech, TextToSpeech, TtsVoiceSettings } from '../types.js';
import { prepareSpeechText } from './speech-text.js';

type SynthesizeRequest = protos.google.cloud.texttospeech.v1.ISynthesizeSpeechRequest;

/** Google's price tiers, as `domain/pricing` names them after `google:`. */
export type GoogleVoiceTier = 'standard' | 'wavenet' | 'neural2' | 'chirp3-hd';

/** Standard voices: the cheapest tier, and the one every Ukrainian and Russian voice list has. */
export const GOOGLE_TTS_DEFAULT_VOICES: Record<Language, string> = {
  uk: 'uk-UA-Standard-A',
  ru: 'ru-RU-Standard-A',
};

/**
 * Google refuses input over 5,000 bytes. Ukrainian and Russian letters take two bytes in UTF-8,
 * so 2,000 characters stay under the limit with room for digits and punctuation, and still
 * last two minutes or more: far beyond one reply of a phone agent.
 */
export const GOOGLE_TTS_MAX_CHARACTERS = 2000;

/** A reply synthesizes in about a second; 5 s leaves one retry inside the activity's 10 s. */
export const GOOGLE_TTS_DEFAULT_TIMEOUT_MS = 5_000;

/** Voice names carry their tier: `uk-UA-Standard-A`, `ru-RU-Wavenet-B`, `uk-UA-Chirp3-HD-Kore`. */
const TIER_PATTERNS: [RegExp, GoogleVoiceTier][] = [
  [/-Standard-/i, 'standard'],
  [/-Wavenet-/i, 'wavenet'],
  [/-Neural2-/i, 'neural2'],
  [/-Chirp3-HD-/i, 'chirp3-hd'],
];

/** The price tier of a Google voice, from its name; undefined for tiers dzvin does not price. */
export function googleVoiceTier(voice: string): GoogleVoiceTier | undefined {
  return TIER_PATTERNS.find(([pattern]) => pattern.test(voice))?.[1];
}

export interface GoogleTtsOptions {
  connection?: GoogleConnection;
  /** Voice per language. @default GOOGLE_TTS_DEFAULT_VOICES */
  voices?: Partial<Record<Language, string>>;
  /**
   * Output audio: `pcm_s16le` at any rate Google offers, or `mulaw` at 8 kHz for a telephone
   * line. @default SPEECH_FORMAT (16 kHz PCM, what dzvin's other engines produce)
   */
  format?: Pick<AudioFormat, 'encoding' | 'sampleRateHz'>;
  /**
   * Google's device profile: `telephony-class-application` shapes the audio for phone lines.
   * @default 'telephony-class-application'
   */
  effectsProfile?: string | null;
  /** Deadline of one SynthesizeSpeech call. @default GOOGLE_TTS_DEFAULT_TIMEOUT_MS */
  timeoutMs?: number;
  /** @default GOOGLE_TTS_MAX_CHARACTERS */
  maxCharacters?: number;
  /** A client built elsewhere; closed by `close()` all the same. */
  client?: ttsV1.TextToSpeechClient;
}

/**
 * Text-to-speech with Google Cloud Text-to-Speech through the official SDK, returning audio
 * straight in the configured telephony format. The client's own retries are off: Temporal's
 * activity retry policy owns retries.
 *
 * Thrown at construction: `Error` when a configured voice belongs to a tier with no price.
 */
export class GoogleTts implements TextToSpeech {
  readonly provider = 'google';
  private readonly client: ttsV1.TextToSpeechClient;
  private readonly voices: Record<Language, { name: string; tier: GoogleVoiceTier }>;
  private readonly format: AudioFormat;
  private readonly effectsProfile: string | null;
  private readonly timeoutMs: number;
  private readonly maxCharacters: number;

  constructor(options: GoogleTtsOptions = {}) {
    this.voices = {
      uk: voiceOf(options.voices?.uk ?? GOOGLE_TTS_DEFAULT_VOICES.uk),
      ru: voiceOf(options.voices?.ru ?? GOOGLE_TTS_DEFAULT_VOICES.ru),
    };
    this.format = { ...(options.format ?? SPEECH_FORMAT), channels: 1 };
    if (this.format.encoding === 'mulaw' && this.format.sampleRateHz !== 8000) {
      throw new Error(
        `μ-law output is telephone audio at 8000 Hz, not ${this.format.sampleRateHz}`,
      );
    }
    this.effectsProfile =
      options.effectsProfile === undefined ? 'telephony-class-application' : options.effectsProfile;
    this.timeoutMs = options.timeoutMs ?? GOOGLE_TTS_DEFAULT_TIMEOUT_MS;
    this.maxCharacters = options.maxCharacters ?? GOOGLE_TTS_MAX_CHARACTERS;
    this.client =
      options.client ?? new ttsV1.TextToSpeechClient(googleClientOptions(options.connection ?? {}));
  }

  /** The voice, format and effects `synthesize` uses; Google's default rate (1.0) and pitch (0). */
  voiceSettings(language: Language): TtsVoiceSettings {
    const voice = this.voices[language];
    return {
      voice: voice.name,
      voiceTier: voice.tier,
      format: { ...this.format },
      speakingRate: 1,
      pitch: 0,
      extra: { maxCharacters: this.maxCharacters, effectsProfile: this.effectsProfile ?? '' },
    };
  }

  /**
   * Speaks `text` in the language's voice. Text is cleaned and cut at a sentence end past the
   * character limit; usage counts the characters actually sent, which is what Google bills.
   *
   * Thrown: {@link GoogleApiError}, named by failure type (`TtsBadRequest`, `TtsUnavailable`, …).
   */
  async synthesize(text: string, language: Language): Promise<SynthesizedSpeech> {
    const voice = this.voices[language];
    const speech = prepareSpeechText(text, this.maxCharacters);
    if (speech.text === '') {
      throw new GoogleApiError('tts', 'BadRequest', 'nothing to speak: the text is empty');
    }

    const request: SynthesizeRequest = {
      input: { text: speech.text },
      voice: { languageCode: voice.name.split('-').slice(0, 2).join('-'), name: voice.name },
      audioConfig: {
        audioEncoding: this.format.encoding === 'mulaw' ? 'MULAW' : 'LINEAR16',
        sampleRateHertz: this.format.sampleRateHz,
        ...(this.effectsProfile ? { effectsProfileId: [this.effectsProfile] } : {}),
      },
    };
    let content: Uint8Array | string | null | undefined;
    try {
      const [response] = await this.client.synthesizeSpeech(request, {
        timeout: this.timeoutMs,
        retry: null,
      });
      content = response.audioContent;
    } catch (error) {
      throw toGoogleApiError('tts', error);
    }

    const audio = this.readAudio(content);
    return {
      audio,
      format: { ...this.format },
      durationMs: audioDurationMs(audio.length, this.format),
      usage: {
        provider: this.provider,
        voice: voice.name,
        voiceTier: voice.tier,
        characters: [...speech.text].length,
        cached: false,
      },
    };
  }

  /** Closes the client's channel. */
  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * LINEAR16 and MULAW answers come as WAV files; the pipeline carries raw samples with the
   * format beside them, so the header goes, after checking it says what was asked for.
   */
  private readAudio(content: Uint8Array | string | null | undefined): Buffer {
    const bytes =
      typeof content === 'string' ? Buffer.from(content, 'base64') : Buffer.from(content ?? []);
    if (bytes.length === 0) {
      throw new GoogleApiError('tts', 'BadResponse', 'Google Text-to-Speech returned no audio');
    }
    let parsed: ReturnType<typeof parseWav>;
    try {
      parsed = parseWav(bytes);
    } catch (error) {
      throw new GoogleApiError('tts', 'BadResponse', 'Google returned audio that is not WAV', {
        cause: error,
      });
    }
    const { data, format } = parsed;
    if (
      format.encoding !== this.format.encoding ||
      format.sampleRateHz !== this.format.sampleRateHz ||
      format.channels !== 1
    ) {
      throw new GoogleApiError(
        'tts',
        'BadResponse',
        `asked Google for ${describe(this.format)} audio, got ${describe(format)}`,
      );
    }
    return Buffer.from(data);
  }
}

function voiceOf(name: string): { name: string; tier: GoogleVoiceTier } {
  const tier = googleVoiceTier(name);
  if (!tier) {
    throw new Error(
      `cannot tell the price tier of Google voice "${name}": choose a Standard, Wavenet, ` +
        'Neural2 or Chirp3-HD voice (e.g. uk-UA-Standard-A)',
    );
  }
  return { name, tier };
}

function describe(format: AudioFormat): string {
  return `${format.encoding} ${format.sampleRateHz} Hz ×${format.channels}`;
}
