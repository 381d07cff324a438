import { SPEECH_FORMAT, audioDurationMs } from '../../domain/audio.js';
import type { Language } from '../../domain/language.js';
import type { SynthesizedSpeech, TextToSpeech } from '../../engines/types.js';
import { floatToPcm16 } from '../../infra/audio-codec.js';

/**
 * A text-to-speech engine that answers at once with a tone as long as the text would take to
 * say: the bridge streams, paces and interrupts it like any reply, without eSpeak's start-up or
 * CPU time. For tests and the bridge benchmark.
 */
export class ToneTts implements TextToSpeech {
  // Billed like the embedded engine (free): the price list knows no tone generator.
  readonly provider = 'espeak-ng';

  constructor(
    private readonly options: {
      /** Reply audio per character of text. @default 60 */
      msPerCharacter?: number;
      /** Shortest and longest reply. @default 400 and 8000 */
      minMs?: number;
      maxMs?: number;
    } = {},
  ) {}

  // eslint-disable-next-line @typescript-eslint/require-await
  async synthesize(text: string, language: Language): Promise<SynthesizedSpeech> {
    const { msPerCharacter = 60, minMs = 400, maxMs = 8000 } = this.options;
    const ms = Math.min(maxMs, Math.max(minMs, text.length * msPerCharacter));
    const samples = new Float32Array((SPEECH_FORMAT.sampleRateHz * ms) / 1000);
    // 440 Hz for Ukrainian, 523 Hz for Russian: a listener can tell which voice answered.
    const hz = language === 'uk' ? 440 : 523;
    for (let i = 0; i < samples.length; i++) {
      samples[i] = 0.3 * Math.sin((2 * Math.PI * hz * i) / SPEECH_FORMAT.sampleRateHz);
    }
    const audio = floatToPcm16(samples);
    return {
      audio,
      format: SPEECH_FORMAT,
      durationMs: audioDurationMs(audio.length, SPEECH_FORMAT),
      usage: {
        provider: this.provider,
        voice: `tone-${hz}`,
        characters: text.length,
        cached: false,
      },
    };
  }
}
