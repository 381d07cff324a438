import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { findOnPath } from '../engines/stt/whisper-support.js';
import { normalizeWords } from './error-rates.js';
import type { ErrorCounts } from './error-rates.js';

/** Debian's sctk installs sclite off PATH, behind an `sctk` dispatcher; both are tried. */
const DEBIAN_SCLITE = '/usr/lib/sctk/bin/sclite';

/** One scored utterance: a stable id and the two texts. */
export interface ScliteUtterance {
  id: string;
  reference: string;
  hypothesis: string;
}

/** The command that runs sclite here, or undefined when NIST SCTK is not installed. */
export function findSclite(): string[] | undefined {
  const direct =
    findOnPath('sclite') ?? findOnPath('sclite', { PATH: path.dirname(DEBIAN_SCLITE) });
  if (direct) return [direct];
  const dispatcher = findOnPath('sctk');
  return dispatcher ? [dispatcher, 'sclite'] : undefined;
}

/**
 * Scores utterances with NIST sclite and returns its totals. Both sides are normalized with
 * {@link normalizeWords} first, so sclite sees the same words our scorer sees; each utterance
 * is one `trn` line `words (dzvin_<n>)`, in sclite's speaker_utterance id form.
 *
 * Thrown when sclite is missing or fails: an Error with its output.
 */
export async function scoreWithSclite(
  utterances: readonly ScliteUtterance[],
): Promise<ErrorCounts> {
  const command = findSclite();
  if (!command) {
    throw new Error('sclite not found: install NIST SCTK (Debian/Ubuntu: apt-get install sctk)');
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-sclite-'));
  try {
    const line = (text: string, index: number) =>
      `${normalizeWords(text).join(' ')} (dzvin_${index})`;
    const ref = path.join(dir, 'ref.trn');
    const hyp = path.join(dir, 'hyp.trn');
    await writeFile(ref, utterances.map((u, i) => line(u.reference, i)).join('\n') + '\n');
    await writeFile(hyp, utterances.map((u, i) => line(u.hypothesis, i)).join('\n') + '\n');
    // -i spu_id: ids are speaker_utterance; -o rsum: totals as counts, not rounded percentages.
    const args = ['-r', ref, 'trn', '-h', hyp, 'trn', '-i', 'spu_id', '-e', 'utf-8'];
    const output = await run(command, [...args, '-o', 'rsum', 'stdout']);
    return parseRawSummary(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Reads the `Sum` row of sclite's raw summary (`-o rsum`):
 * `| Sum | #Snt #Wrd | Corr Sub Del Ins Err S.Err |`.
 */
export function parseRawSummary(output: string): ErrorCounts {
  const row = output.split('\n').find((text) => /^\s*\|\s*Sum(\/Avg)?\s*\|/.test(text));
  const numbers = row?.match(/\d+(?:\.\d+)?/g)?.map(Number);
  if (!numbers || numbers.length < 8) {
    throw new Error(`no totals in sclite output:\n${output.slice(0, 2000)}`);
  }
  const [, words, , substitutions, deletions, insertions] = numbers as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { substitutions, deletions, insertions, referenceLength: words };
}

function run(command: string[], args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString('utf8')));
    child.stderr.on('data', (data: Buffer) => (output += data.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`sclite exited with ${code}:\n${output}`)),
    );
  });
}
