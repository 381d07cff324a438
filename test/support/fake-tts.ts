import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { audioDurationMs, bytesPerSample, SPEECH_FORMAT } from '../../domain/audio.js';
import type { AudioFormat } from '../../domain/audio.js';
import type { Language } from '../../domain/language.js';
import type { SynthesizedSpeech, TextToSpeech, TtsVoiceSettings } from '../../engines/types.js';

/**
 * Speech takes about 70 ms per character of Ukrainian or Russian at a normal phone pace
 * (14 characters a second), which sets the size of the fake's audio.
 */
const SPEECH_MS_PER_CHARACTER = 70;

export interface FakeTtsOptions {
  provider?: string;
  voices?: Record<Language, string>;
  voiceTier?: string;
  format?: AudioFormat;
  speakingRate?: number;
  pitch?: number;
  /** How long one synthesis takes. @default 0 */
  delayMs?: number;
  /** Makes every synthesis fail with this error while set. */
  failWith?: Error;
}

/**
 * A text-to-speech provider in this process: audio of a realistic size whose bytes depend on
 * the text and every voice setting, so a test can tell which request's audio it got. It counts
 * its requests, as a provider's bill would.
 */
export class FakeTts implements TextToSpeech {
  readonly provider: string;
  readonly requests: { text: string; language: Language }[] = [];

  constructor(readonly options: FakeTtsOptions = {}) {
    this.provider = options.provider ?? 'google';
  }

  voiceSettings(language: Language): TtsVoiceSettings {
    return {
      voice: this.options.voices?.[language] ?? `${language}-UA-Neural2-A`,
      voiceTier: this.options.voiceTier ?? 'neural2',
      format: this.options.format ?? { ...SPEECH_FORMAT },
      speakingRate: this.options.speakingRate ?? 1,
      pitch: this.options.pitch ?? 0,
    };
  }

  async synthesize(text: string, language: Language): Promise<SynthesizedSpeech> {
    this.requests.push({ text, language });
    if (this.options.delayMs) await sleep(this.options.delayMs);
    if (this.options.failWith) throw this.options.failWith;

    const settings = this.voiceSettings(language);
    const { format } = settings;
    const characters = [...text].length;
    const frames = Math.round((characters * SPEECH_MS_PER_CHARACTER * format.sampleRateHz) / 1000);
    const seed = createHash('sha256')
      .update(JSON.stringify([text, language, settings]))
      .digest();
    const audio = Buffer.alloc(frames * bytesPerSample(format.encoding) * format.channels);
    for (let offset = 0; offset < audio.length; offset += seed.length) seed.copy(audio, offset);
    return {
      audio,
      format,
      durationMs: audioDurationMs(audio.length, format),
      usage: {
        provider: this.provider,
        voice: settings.voice,
        voiceTier: settings.voiceTier,
        characters,
        cached: false,
      },
    };
  }
}
