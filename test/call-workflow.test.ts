import { WorkflowUpdateFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { getCall } from '../db/calls-repository.js';
import { detectLanguage } from '../domain/language.js';
import {
  costQuery,
  hangupSignal,
  transcriptQuery,
  turnUpdate,
} from '../workflows/call-messages.js';
import type { TurnInput } from '../workflows/call-messages.js';
import { startCallHarness } from './support/call-harness.js';
import { keepHistoryFixture } from './support/history-fixtures.js';
import type { CallHarness } from './support/call-harness.js';
import { rootMessage } from '../domain/failure-chain.js';

let harness: CallHarness;

beforeAll(async () => {
  harness = await startCallHarness();
});

afterAll(async () => {
  await harness?.close();
});

describe('a call on the embedded engines', () => {
  it('answers a Ukrainian recording with a spoken Ukrainian reply, its latency and its cost', async () => {
    const handle = await harness.startCall({ language: 'uk' });
    const callId = handle.workflowId.replace(/^call-/, '');
    const audio = await harness.storeRecording(callId, 'utt-1', 'uk/ast_uk_vm-sorry.wav');

    const result = await handle.executeUpdate(turnUpdate, { args: [{ audio }] });

    expect(result.turn).toBe(1);
    expect(result.route).toEqual({ sttArm: 'whisper', model: 'fallback-dialog' });
    // The weightless test model recognizes nothing; it must say so rather than invent words.
    expect(result.transcript.text).toBe('');
    expect(result.reply.language).toBe('uk');
    expect(detectLanguage(result.reply.text, 'ru')).toBe('uk');
    expect(result.reply.text.length).toBeGreaterThan(10);
    expect(result.usage.stt).toMatchObject({ provider: 'whisper.cpp' });
    expect(result.usage.stt.billedAudioMs).toBeCloseTo(audio.durationMs, -2);
    expect(result.usage.tts).toMatchObject({ provider: 'espeak-ng', cached: false });
    expect(result.usage.tts.characters).toBe(result.reply.text.length);
    expect(result.latencyMs.stt).toBeGreaterThan(0);
    expect(result.latencyMs.tts).toBeGreaterThan(0);
    expect(result.latencyMs.total).toBeGreaterThanOrEqual(result.latencyMs.stt);

    const replyAudio = await harness.runtime.blobs.get(result.reply.audio.key);
    expect(replyAudio.length).toBe(result.reply.audio.bytes);
    expect(result.reply.audio.durationMs).toBeGreaterThan(500);

    const transcript = await handle.query(transcriptQuery);
    expect(transcript).toEqual([{ turn: 1, caller: '', agent: result.reply.text, language: 'uk' }]);

    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    const summary = await handle.result();
    expect(summary).toMatchObject({
      callId,
      turns: 1,
      failedTurns: 0,
      endReason: 'caller-hung-up',
    });

    const row = await getCall(harness.runtime.database.db, callId);
    expect(row).toBeDefined();
    expect(row!.totalCostUsd).toBe(summary.totalCostUsd);
    expect(row!.costBreakdown).toEqual(summary.costBreakdown);
    expect(row!).toMatchObject({
      sttProvider: 'whisper.cpp',
      turns: 1,
      endReason: 'caller-hung-up',
    });
    expect(row!.llmModels).toEqual(['fallback-dialog']);
    // Whisper bills by audio time, so even an all-embedded call has a (small) cost.
    expect(Number(summary.costBreakdown.components.stt)).toBeGreaterThan(0);

    await keepHistoryFixture('local-stages-whisper-arm-one-turn', await handle.fetchHistory());
  });

  it('lets operators find the call by STT provider, model and cost, and read each activity', async () => {
    const handle = await harness.startCall();
    const callId = handle.workflowId.replace(/^call-/, '');
    const audio = await harness.storeRecording(callId, 'utt-1', 'uk/ast_uk_pls-try-call-later.wav');
    await handle.executeUpdate(turnUpdate, { args: [{ audio }] });
    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    await handle.result();

    const query =
      `WorkflowId = '${handle.workflowId}' AND SttProvider = 'whisper.cpp' AND SttArm = 'whisper' ` +
      `AND LlmModel = 'fallback-dialog' AND TotalCostUsd > 0 AND CallTurns = 1`;
    await expect
      .poll(() => listIds(query), { timeout: 15_000, interval: 500 })
      .toEqual([handle.workflowId]);

    const history = await handle.fetchHistory();
    // Scheduled activities and local ones (recorded as markers) alike carry their summary.
    const summaries = (history.events ?? [])
      .filter(
        (event) =>
          event.activityTaskScheduledEventAttributes ??
          event.markerRecordedEventAttributes?.markerName === 'core_local_activity',
      )
      .map((event) => defaultPayloadConverter.fromPayload<string>(event.userMetadata!.summary!));
    expect(summaries).toEqual([
      'Read prices and providers in force at call start',
      'Transcribe caller turn 1 (Whisper, stt-whisper queue)',
      'Write agent reply 1 (fallback-dialog)',
      'Speak agent reply 1 (espeak-ng)',
      'Save the call, its outcome and its cost in the calls table',
    ]);
  });
});

describe('bad input to a turn', () => {
  it('rejects malformed turns with a clear reason and keeps the call usable', async () => {
    const handle = await harness.startCall();
    const callId = handle.workflowId.replace(/^call-/, '');
    const good = await harness.storeRecording(callId, 'utt-ok', 'uk/ast_uk_vm-sorry.wav');

    const malformed: [unknown, RegExp][] = [
      [{}, /audio.*missing/],
      [{ audio: { ...good, bytes: 0 } }, /empty audio/],
      [
        { audio: { ...good, format: { ...good.format, encoding: 'opus' } } },
        /unsupported encoding/,
      ],
      [{ audio: { ...good, format: { ...good.format, channels: 2 } } }, /mono/],
      [{ audio: { ...good, durationMs: 600_000 } }, /longer than/],
    ];
    for (const [input, reason] of malformed) {
      const update = handle.executeUpdate(turnUpdate, { args: [input as TurnInput] });
      await expect(update).rejects.toThrow(WorkflowUpdateFailedError);
      await expect(update.catch((error: Error) => rootMessage(error))).resolves.toMatch(reason);
    }

    const unknownRef = handle.executeUpdate(turnUpdate, {
      args: [{ audio: { ...good, key: `call/${callId}/never-stored.pcm` } }],
    });
    await expect(unknownRef.catch((error: Error) => rootMessage(error))).resolves.toMatch(
      /no audio stored/,
    );

    await harness.runtime.blobs.put(`call/${callId}/empty.pcm`, Buffer.alloc(0));
    const emptyBlob = handle.executeUpdate(turnUpdate, {
      args: [{ audio: { ...good, key: `call/${callId}/empty.pcm` } }],
    });
    await expect(emptyBlob.catch((error: Error) => rootMessage(error))).resolves.toMatch(
      /no audio/,
    );

    const noise = Buffer.from(Array.from({ length: 16_000 }, (_, i) => (i * 7919) % 251));
    await harness.runtime.blobs.put(`call/${callId}/noise.pcm`, noise);
    const noiseTurn = await handle.executeUpdate(turnUpdate, {
      args: [
        {
          audio: { ...good, key: `call/${callId}/noise.pcm`, bytes: noise.length, durationMs: 500 },
        },
      ],
    });
    expect(noiseTurn.transcript.text).toBe('');

    const after = await handle.executeUpdate(turnUpdate, { args: [{ audio: good }] });
    expect(after.reply.text.length).toBeGreaterThan(0);

    const cost = await handle.query(costQuery);
    expect(cost.turns).toBe(2);

    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    const summary = await handle.result();
    expect(summary.turns).toBe(2);
    expect(summary.failedTurns).toBe(2);
    await keepHistoryFixture('local-stages-whisper-arm-bad-input', await handle.fetchHistory());

    await expect(handle.executeUpdate(turnUpdate, { args: [{ audio: good }] })).rejects.toThrow();
  });

  it('refuses a turn that arrives after the caller hung up', async () => {
    const handle = await harness.startCall();
    const callId = handle.workflowId.replace(/^call-/, '');
    const audio = await harness.storeRecording(callId, 'utt-1', 'ru/ast_ru_transfer.wav');
    // Depending on whether the hang-up reaches the workflow before this turn is admitted, the
    // turn either completes or is refused; either way it must settle, not hang the call.
    const slowTurn = handle.executeUpdate(turnUpdate, { args: [{ audio }] }).then(
      () => 'completed',
      (error: Error) => rootMessage(error),
    );
    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    const late = handle.executeUpdate(turnUpdate, { args: [{ audio }] });

    await expect(late.catch((error: Error) => rootMessage(error))).resolves.toMatch(
      /the call has ended/,
    );
    await expect(slowTurn).resolves.toMatch(/^completed$|the call has ended/);
    const summary = await handle.result();
    expect(summary.endReason).toBe('caller-hung-up');
  });
});

async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of harness.temporal.client.workflow.list({ query })) {
    ids.push(execution.workflowId);
  }
  return ids;
}
