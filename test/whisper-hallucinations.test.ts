import { describe, expect, it } from 'vitest';

import {
  cleanWhisperText,
  isHallucinatedSegment,
  isRepetitionLoop,
} from '../engines/stt/whisper-hallucinations.js';

/** What the base model wrote for generated white noise (see whisper-hallucinations.ts). */
const LOOP_ON_NOISE = ` Та,${' що, я не вимагаю,'.repeat(27)}`;

describe('Whisper output on noise', () => {
  it('drops a segment in which the decoder loops on one phrase', () => {
    expect(isRepetitionLoop(LOOP_ON_NOISE)).toBe(true);
    expect(isHallucinatedSegment({ text: LOOP_ON_NOISE, avg_logprob: -0.2 })).toBe(true);
  });

  it('drops a segment the decoder failed at every temperature', () => {
    expect(isHallucinatedSegment({ text: ' Хлопồні science.', avg_logprob: -4.48 })).toBe(true);
    expect(isHallucinatedSegment({ text: ' Слышь, я не могу.', avg_logprob: -1.84 })).toBe(true);
  });

  it('keeps real speech, however long, and its repeated words', () => {
    const reply =
      ' В даний момент всі оператори зайняті. Будь ласка, залишайтеся на лінії. ' +
      'Ваш виклик буде прийнятий в порядку черги. Так, так, так, я чекаю.';

    expect(isHallucinatedSegment({ text: reply, avg_logprob: -0.31 })).toBe(false);
    expect(isHallucinatedSegment({ text: ' Так, так, так.', avg_logprob: -0.5 })).toBe(false);
  });

  it('removes sound descriptions written as words', () => {
    expect(cleanWhisperText('ТРЕВОЖНАЯ МУЗЫКА')).toBe('');
    expect(cleanWhisperText('Тривожна музика.')).toBe('');
    expect(cleanWhisperText('Оплески')).toBe('');
    expect(cleanWhisperText('Чи є у вас музичний центр?')).toBe('Чи є у вас музичний центр?');
  });
});
