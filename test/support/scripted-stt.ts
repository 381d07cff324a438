import type { AudioFormat } from '../../domain/audio.js';
import { audioDurationMs } from '../../domain/audio.js';
import { detectLanguage } from '../../domain/language.js';
import type { Language } from '../../domain/language.js';
import type { SttUsage, Transcript } from '../../domain/usage.js';
import type { SpeechToText } from '../../engines/types.js';

/**
 * Speech-to-text for tests that need what a caller says to be known: it "hears" the next line of
 * a script for each utterance, and bills the real audio duration. Stands in for a trained model,
 * which the test machines do not have.
 */
export class ScriptedStt implements SpeechToText {
  readonly provider = 'whisper.cpp';
  readonly heard: string[] = [];
  private readonly lines: string[] = [];

  say(...lines: string[]): void {
    this.lines.push(...lines);
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async transcribe(
    audio: Buffer,
    format: AudioFormat,
    hint: { language: Language },
  ): Promise<{ transcript: Transcript; usage: SttUsage }> {
    const text = this.lines.shift() ?? '';
    this.heard.push(text);
    const audioMs = audioDurationMs(audio.length, format);
    return {
      transcript: { text, language: detectLanguage(text, hint.language) },
      usage: { provider: this.provider, audioMs, billedAudioMs: audioMs },
    };
  }
}
