import { SPEECH_FORMAT, audioDurationMs } from '../../domain/audio.js';
import type { AudioFormat } from '../../domain/audio.js';
import type { LlmUsage, SttUsage, Transcript, TtsUsage } from '../../domain/usage.js';
import type {
  AgentReply,
  LanguageHint,
  ReplyGenerator,
  SpeechToText,
  SynthesizedSpeech,
  TextToSpeech,
} from '../../engines/types.js';

/** What each stage of one scripted turn reports as its usage. */
export interface ScriptedTurn {
  stt: { provider: 'whisper.cpp' | 'google'; audioMs: number; billedAudioMs: number };
  llm: Omit<LlmUsage, 'provider'>;
  tts: { characters: number; cached: boolean };
}

/**
 * Engines that report a scripted usage per turn, so a call's cost is known to the nano-dollar
 * before it runs: the STT provider switches between Whisper and Google as a fallback would, the
 * model between Haiku and Sonnet with prompt-cache tokens, the reply between cached and not.
 * Turns past the end of the script repeat its last turn.
 */
export function scriptedCostEngines(script: ScriptedTurn[]): {
  stt: SpeechToText;
  llm: ReplyGenerator;
  tts: TextToSpeech;
} {
  const counters = { stt: 0, llm: 0, tts: 0 };
  const next = (stage: keyof typeof counters) => {
    const turn = script[Math.min(counters[stage]++, script.length - 1)];
    if (!turn) throw new Error('scriptedCostEngines needs at least one turn');
    return turn;
  };

  const stt: SpeechToText = {
    provider: 'whisper.cpp',
    // eslint-disable-next-line @typescript-eslint/require-await
    async transcribe(
      _audio: Buffer,
      _format: AudioFormat,
      hint: LanguageHint,
    ): Promise<{ transcript: Transcript; usage: SttUsage }> {
      const { stt: usage } = next('stt');
      return {
        transcript: { text: 'Скільки коштує пральна машина?', language: hint.language },
        usage,
      };
    },
  };

  const llm: ReplyGenerator = {
    provider: 'anthropic',
    // eslint-disable-next-line @typescript-eslint/require-await
    async reply(input): Promise<AgentReply> {
      const { llm: usage } = next('llm');
      return {
        text: 'Пральна машина коштує дванадцять тисяч гривень.',
        language: input.language,
        transfer: false,
        endCall: false,
        usage: { provider: 'anthropic', ...usage },
      };
    },
  };

  const tts: TextToSpeech = {
    provider: 'google',
    // eslint-disable-next-line @typescript-eslint/require-await
    async synthesize(_text: string): Promise<SynthesizedSpeech> {
      const { tts: scripted } = next('tts');
      const audio = Buffer.alloc(16_000); // half a second of silence
      const usage: TtsUsage = {
        provider: 'google',
        voice: 'uk-UA-Standard-A',
        voiceTier: 'standard',
        characters: scripted.characters,
        cached: scripted.cached,
      };
      return {
        audio,
        format: SPEECH_FORMAT,
        durationMs: audioDurationMs(audio.length, SPEECH_FORMAT),
        usage,
      };
    },
  };

  return { stt, llm, tts };
}

/**
 * Three turns whose cost is worked out by hand in test/cost-ledger-exact.test.ts: Whisper then
 * Google STT (one and two 15 s increments), Haiku writing the prompt cache then Sonnet reading
 * it, a reply spoken, one served from the TTS cache, one spoken.
 */
export const THREE_PRICED_TURNS: ScriptedTurn[] = [
  {
    stt: { provider: 'whisper.cpp', audioMs: 3200, billedAudioMs: 3200 },
    llm: {
      model: 'claude-haiku-4-5',
      inputTokens: 120,
      outputTokens: 45,
      cacheWriteTokens: 1800,
      cacheReadTokens: 0,
    },
    tts: { characters: 40, cached: false },
  },
  {
    stt: { provider: 'google', audioMs: 4100, billedAudioMs: 15_000 },
    llm: {
      model: 'claude-sonnet-4-5',
      inputTokens: 200,
      outputTokens: 60,
      cacheWriteTokens: 0,
      cacheReadTokens: 1800,
    },
    tts: { characters: 25, cached: true },
  },
  {
    stt: { provider: 'google', audioMs: 16_500, billedAudioMs: 30_000 },
    llm: {
      model: 'claude-sonnet-4-5',
      inputTokens: 150,
      outputTokens: 80,
      cacheWriteTokens: 300,
      cacheReadTokens: 1800,
    },
    tts: { characters: 55, cached: false },
  },
];
