import { readFile } from 'node:fs/promises';

import type { SpeechToText } from '../engines/types.js';
import { decodeAudioFile } from '../infra/audio-file.js';
import { characterErrors, errorRate, sumErrors, wordErrors } from './error-rates.js';
import type { ErrorCounts } from './error-rates.js';
import type { ReferenceItem } from './reference-set.js';

/** Names the normalization of ./error-rates.ts, so reports scored differently are not mixed. */
export const NORMALIZATION =
  'dzvin-1: NFKC, lower case, ё=е, punctuation splits words, digits as written';

/** One recording's result. */
export interface FileScore {
  file: string;
  language: string;
  reference: string;
  hypothesis: string;
  words: ErrorCounts;
  characters: ErrorCounts;
  wer: number;
  cer: number;
  audioMs: number;
  latencyMs: number;
}

/** What `npm run stt:eval` writes: the input of `npm run stt:ab` and of later comparisons. */
export interface SttEvalReport {
  provider: string;
  /** The arm these results stand for in an A/B report (the STT provider flag's value). */
  arm: string;
  model?: string;
  normalization: string;
  createdAt: string;
  files: FileScore[];
  overall: { words: ErrorCounts; characters: ErrorCounts; wer: number; cer: number };
}

/**
 * Transcribes each recording with `stt`, one at a time (the order of the set), and scores it
 * against its reference. `onFile` sees each result as it comes, for progress output.
 */
export async function evaluateStt(options: {
  items: readonly ReferenceItem[];
  stt: SpeechToText;
  arm: string;
  model?: string;
  onFile?: (score: FileScore) => void;
}): Promise<SttEvalReport> {
  const files: FileScore[] = [];
  for (const item of options.items) {
    const audio = await decodeAudioFile(await readFile(item.absolutePath), item.file);
    const startedAt = performance.now();
    const { transcript, usage } = await options.stt.transcribe(audio.pcm, audio.format, {
      language: item.language,
    });
    const latencyMs = Math.round(performance.now() - startedAt);
    const score = scoreFile(item, transcript.text, { audioMs: usage.audioMs, latencyMs });
    files.push(score);
    options.onFile?.(score);
  }
  return summarize(
    { provider: options.stt.provider, arm: options.arm, model: options.model },
    files,
  );
}

/** Scores one transcript against its reference. */
export function scoreFile(
  item: Pick<ReferenceItem, 'file' | 'language' | 'reference'>,
  hypothesis: string,
  timing: { audioMs: number; latencyMs: number },
): FileScore {
  const words = wordErrors(item.reference, hypothesis);
  const characters = characterErrors(item.reference, hypothesis);
  return {
    file: item.file,
    language: item.language,
    reference: item.reference,
    hypothesis,
    words,
    characters,
    wer: errorRate(words),
    cer: errorRate(characters),
    ...timing,
  };
}

/** Builds the report; overall rates are sums of errors over sums of reference lengths. */
export function summarize(
  source: { provider: string; arm: string; model?: string },
  files: FileScore[],
): SttEvalReport {
  const words = sumErrors(files.map((file) => file.words));
  const characters = sumErrors(files.map((file) => file.characters));
  return {
    ...source,
    normalization: NORMALIZATION,
    createdAt: new Date().toISOString(),
    files,
    overall: { words, characters, wer: errorRate(words), cer: errorRate(characters) },
  };
}
