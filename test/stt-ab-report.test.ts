import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { upsertCall } from '../db/calls-repository.js';
import { openDatabase } from '../db/connect.js';
import type { ArmSummary } from '../evaluation/stt-ab.js';
import { scoreFile, summarize } from '../evaluation/stt-eval.js';
import { REPO_ROOT } from '../infra/config.js';

const run = promisify(execFile);

/**
 * Forty calls per arm, four turns each. Whisper turns take 300–460 ms and cost nothing for STT;
 * Google turns take 700–860 ms at $0.0048 per call. Every tenth Google call and every fifth
 * Whisper call ends with a transfer.
 */
function seededCalls() {
  return ['whisper', 'google'].flatMap((arm) =>
    Array.from({ length: 40 }, (_, i) => {
      const base = arm === 'whisper' ? 300 : 700;
      const latencies = [0, 1, 2, 3].map((turn) => base + ((i * 4 + turn) % 17) * 10);
      const sttUsd = arm === 'whisper' ? '0.000000000' : '0.004800000';
      return {
        id: `ab-${arm}-${i}`,
        workflowId: `call-ab-${arm}-${i}`,
        startedAt: new Date(Date.UTC(2026, 11, 1, 10, i)),
        endedAt: new Date(Date.UTC(2026, 11, 1, 10, i, 50)),
        callerHash: `hash-${i}`,
        language: 'uk',
        sttProvider: arm === 'whisper' ? 'whisper.cpp' : 'google',
        sttArm: arm,
        turns: 4,
        endReason: i % (arm === 'whisper' ? 5 : 10) === 0 ? 'transferred' : 'caller-hung-up',
        costBreakdown: {
          components: { stt: sttUsd, llm: '0.002000000', tts: '0.001000000' },
          usage: {
            sttAudioMsByRequest: [2000, 2000, 2000, 2000],
            sttLatencyMsByRequest: latencies,
          },
        },
        totalCostUsd: arm === 'whisper' ? '0.003000000' : '0.007800000',
        pricingVersion: '2026-12-01',
      };
    }),
  );
}

describe('npm run stt:ab on seeded calls', () => {
  let dataDir: string;
  let evalFile: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-ab-'));
    const database = await openDatabase({ dataDir });
    try {
      for (const row of seededCalls()) await upsertCall(database.db, row);
    } finally {
      await database.close();
    }
    const timing = { audioMs: 2000, latencyMs: 400 };
    const report = summarize({ provider: 'whisper.cpp', arm: 'whisper' }, [
      scoreFile(
        { file: 'a.wav', language: 'uk', reference: 'всі лінії зайняті' },
        'всі лінії зайняті',
        timing,
      ),
      scoreFile(
        { file: 'b.wav', language: 'uk', reference: 'спробуйте ще раз' },
        'спробуйте раз',
        timing,
      ),
    ]);
    evalFile = path.join(dataDir, 'stt-eval-whisper.json');
    await writeFile(evalFile, JSON.stringify(report));
  }, 120_000);

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const report = (...args: string[]) =>
    run(
      process.execPath,
      ['--import', 'tsx', 'cli/stt-ab-report.ts', '--eval', evalFile, ...args],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          DZVIN_DATA_DIR: dataDir,
        },
      },
    );

  it('gives each arm its calls, latency, cost and transfer share with intervals around them', async () => {
    const { stdout } = await report('--json');
    const arms = JSON.parse(stdout) as ArmSummary[];
    const whisper = arms.find((arm) => arm.arm === 'whisper')!;
    const google = arms.find((arm) => arm.arm === 'google')!;

    expect(arms.map((arm) => arm.arm)).toEqual(['google', 'whisper']);
    expect(whisper.calls).toBe(40);
    expect(whisper.utterances).toBe(160);
    expect(whisper.latencyP50Ms.value).toBe(380);
    expect(google.latencyP50Ms.value).toBe(780);
    expect(whisper.latencyP95Ms.high).toBeLessThan(google.latencyP50Ms.low);
    expect(google.sttCostPerCallUsd.value).toBeCloseTo(0.0048, 9);
    expect(whisper.costPerCallUsd.value).toBeCloseTo(0.003, 9);
    expect(whisper.transferRate.value).toBeCloseTo(8 / 40, 9);
    expect(google.transferRate.value).toBeCloseTo(4 / 40, 9);
    for (const estimate of [whisper.latencyP50Ms, whisper.transferRate, google.transferRate]) {
      expect(estimate.low).toBeLessThanOrEqual(estimate.value);
      expect(estimate.high).toBeGreaterThanOrEqual(estimate.value);
    }
    // Wilson at 8/40: the interval is wide and lopsided, as 40 calls deserve.
    expect(whisper.transferRate.low).toBeCloseTo(0.105, 2);
    expect(whisper.transferRate.high).toBeCloseTo(0.348, 2);
  });

  it('adds WER and CER only where evaluation reports exist for the arm', async () => {
    const { stdout } = await report('--json');
    const arms = JSON.parse(stdout) as ArmSummary[];
    const whisper = arms.find((arm) => arm.arm === 'whisper')!;

    // One deleted word out of six reference words.
    expect(whisper.wer?.value).toBeCloseTo(1 / 6, 9);
    expect(whisper.evalFiles).toBe(2);
    expect(arms.find((arm) => arm.arm === 'google')!.wer).toBeUndefined();
  });

  it('prints a table an operator can read', async () => {
    const { stdout } = await report();

    expect(stdout).toContain('80 calls, 1 eval report(s)');
    expect(stdout).toMatch(/STT latency p50, ms\s+780 \[\d+, \d+\]\s+380 \[\d+, \d+\]/);
    expect(stdout).toMatch(/WER, %\s+no references\s+16\.7 \[/);
  });
});
