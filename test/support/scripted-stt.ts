import type { AudioFormat } from '../../domain/audio.js';
import { audioDurationMs } from '../../domain/audio.js';
import { detectLanguage } from '../../domain/language.js';
import type { Language } from '../../domain/language.js';
import type { SttUsage, Transcript } from '../../domain/usage.js';
import type { LanguageHint, SpeechToText } from '../../engines/types.js';

/**
 * Speech-to-text for tests that need what a caller says to be known: it "hears" the next line of
 * a script for each utterance, and bills the real audio duration. Stands in for a trained model,
 * which the test machines do not have. A line reports the language its letters show, or the one
 * it names, as a recognizer that detected it would.
 */
export class ScriptedStt implements SpeechToText {
  readonly provider = 'whisper.cpp';
  readonly heard: string[] = [];
  /** The language hint of each utterance, in order. */
  readonly hints: LanguageHint[] = [];
  private readonly lines: (string | ScriptedLine)[] = [];

  say(...lines: (string | ScriptedLine)[]): void {
    this.lines.push(...lines);
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async transcribe(
    audio: Buffer,
    format: AudioFormat,
    hint: LanguageHint,
  ): Promise<{ transcript: Transcript; usage: SttUsage }> {
    const line = this.lines.shift() ?? '';
    const { text, language } =
      typeof line === 'string' ? { text: line, language: undefined } : line;
    this.heard.push(text);
    this.hints.push(hint);
    const audioMs = audioDurationMs(audio.length, format);
    return {
      transcript: { text, language: language ?? detectLanguage(text, hint.language) },
      usage: { provider: this.provider, audioMs, billedAudioMs: audioMs },
    };
  }
}

export interface ScriptedLine {
  text: string;
  language: Language;
}
