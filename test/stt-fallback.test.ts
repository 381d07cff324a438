import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hangupSignal, turnUpdate } from '../workflows/call-messages.js';
import { startCallHarness } from './support/call-harness.js';
import { keepHistoryFixture } from './support/history-fixtures.js';
import type { CallHarness } from './support/call-harness.js';

let harness: CallHarness;

beforeAll(async () => {
  harness = await startCallHarness();
});

afterAll(async () => {
  await harness?.close();
});

describe('a Whisper-armed call whose Whisper worker goes away', () => {
  it('has its next turn transcribed by the calls queue within the schedule-to-start budget', async () => {
    const handle = await harness.startCall({ language: 'uk' });
    const callId = handle.workflowId.replace(/^call-/, '');
    const audio = await harness.storeRecording(callId, 'utt-1', 'uk/ast_uk_vm-sorry.wav');

    const first = await handle.executeUpdate(turnUpdate, { args: [{ audio }] });
    expect(first.route).toMatchObject({ sttArm: 'whisper' });
    expect(first.route?.sttFallback).toBeUndefined();

    const whisperWorker = harness.workers.workers.find(
      (worker) => worker.options.taskQueue === 'stt-whisper',
    );
    expect(whisperWorker).toBeDefined();
    whisperWorker!.shutdown();
    await expect.poll(() => whisperWorker!.getState(), { timeout: 20_000 }).toBe('STOPPED');

    const second = await handle.executeUpdate(turnUpdate, { args: [{ audio }] });
    expect(second.route).toMatchObject({ sttArm: 'whisper', sttFallback: 'whisper-not-started' });
    expect(second.usage.stt.provider).toBe('whisper.cpp');
    expect(second.reply.text.length).toBeGreaterThan(0);
    // The caller waited for the 1.5 s schedule-to-start budget too, and the turn says so.
    expect(second.latencyMs.stt).toBeGreaterThanOrEqual(1500);

    const history = await handle.fetchHistory();
    const timedOut = (history.events ?? []).filter(
      (event) => event.activityTaskTimedOutEventAttributes,
    );
    expect(timedOut).toHaveLength(1);
    // The fallback waited only for the schedule-to-start budget, not for a transcription.
    expect(
      timedOut[0]!.activityTaskTimedOutEventAttributes!.failure!.timeoutFailureInfo!.timeoutType,
    ).toBe(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);

    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    const summary = await handle.result();
    expect(summary.sttFallbacks).toBe(1);
    expect(summary.turns).toBe(2);
    await keepHistoryFixture('local-stages-whisper-arm-fallback', history);
  });
});
