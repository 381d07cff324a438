import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { errorRate, wordErrors } from '../evaluation/error-rates.js';
import { findSclite, scoreWithSclite } from '../evaluation/sclite.js';
import type { SttEvalReport } from '../evaluation/stt-eval.js';
import { REPO_ROOT } from '../infra/config.js';
import { SHARED_DIR } from './support/call-harness.js';

const run = promisify(execFile);

/** Two recordings per language, each with its reference in a `<name>.txt` beside it. */
const FILES = [
  'uk/ast_uk_pbx-invalid.wav',
  'uk/ast_uk_tt-allbusy.wav',
  'ru/ast_ru_pbx-invalid.wav',
  'ru/ast_ru_queue-youarenext.wav',
];

describe('npm run stt:eval with the installed base model', () => {
  let dir: string;
  let report: SttEvalReport;
  let stdout: string;

  beforeAll(async () => {
    if (!findSclite()) throw new Error('sclite is missing: apt-get install sctk (see .ci/run)');
    dir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-stt-eval-'));
    const manifest = await readFile(path.join(SHARED_DIR, 'audio', 'MANIFEST.tsv'), 'utf8');
    const references = new Map(
      manifest
        .split('\n')
        .map((line) => line.split('\t'))
        .map(([file, , , transcript]) => [file, transcript]),
    );
    for (const file of FILES) {
      const target = path.join(dir, 'set', file);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(path.join(SHARED_DIR, 'audio', file), target);
      await writeFile(target.replace(/\.wav$/, '.txt'), `${references.get(file)}\n`);
    }
    const out = path.join(dir, 'report.json');
    // The hypotheses live only in this run's report: real transcripts, never stored fixtures.
    ({ stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/stt-eval.ts',
        '--dir',
        path.join(dir, 'set'),
        '--out',
        out,
        '--sclite',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, timeout: 540_000 },
    ));
    report = JSON.parse(await readFile(out, 'utf8')) as SttEvalReport;
  }, 600_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports WER and CER for every file and overall', () => {
    expect(report.files.map((file) => file.file).sort()).toEqual([...FILES].sort());
    expect(report.arm).toBe('whisper');
    for (const file of report.files) {
      expect(file.hypothesis).not.toBe('');
      // Base gets these clearly right but not word-perfect (see whisper-real-model.test.ts).
      expect(file.cer).toBeLessThan(0.3);
      expect(file.wer).toBeGreaterThanOrEqual(0);
    }
    expect(stdout).toMatch(/^overall\s+\d+\.\d\s+\d+\.\d/m);
    expect(stdout).toMatch(/sclite WER \d+\.\d %/);
  });

  it('gives the same WER as NIST sclite, file by file and overall', async () => {
    for (const file of report.files) {
      const sclite = await scoreWithSclite([{ id: file.file, ...file }]);
      expect(Math.abs(errorRate(sclite) - file.wer) * 100).toBeLessThanOrEqual(0.1);
    }
    const overall = await scoreWithSclite(report.files.map((file) => ({ id: file.file, ...file })));
    expect(overall.referenceLength).toBe(report.overall.words.referenceLength);
    expect(Math.abs(errorRate(overall) - report.overall.wer) * 100).toBeLessThanOrEqual(0.1);
  });
});

describe('word error rate against sclite on constructed cases', () => {
  const cases = [
    { reference: 'Будь ласка, спробуйте ще раз.', hypothesis: 'будласка спробуйте ще раз' },
    { reference: 'всі лінії зайняті', hypothesis: '' },
    { reference: 'на даний момент', hypothesis: 'на на даний момент момент' },
    // A one-word shift is one deletion and one insertion, not eight substitutions.
    { reference: 'a b c d e f g h', hypothesis: 'b c d e f g h i' },
    { reference: 'Всё ещё ждём', hypothesis: 'все еще ждем' },
  ];

  it.each(cases)('scores "$hypothesis" against "$reference" as sclite does', async (pair) => {
    const ours = wordErrors(pair.reference, pair.hypothesis);
    const sclite = await scoreWithSclite([{ id: 'case', ...pair }]);

    expect(ours).toEqual(sclite);
  });
});
