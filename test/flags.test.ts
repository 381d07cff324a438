import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { FeatureFlags } from '../domain/feature-flags.js';
import { clearFlag, parseFlagValue, readFlags, setFlag } from '../db/flags-repository.js';
import { hangupSignal, turnUpdate } from '../workflows/call-messages.js';
import { startCallHarness } from './support/call-harness.js';
import type { CallHarness } from './support/call-harness.js';

let harness: CallHarness;

beforeAll(async () => {
  harness = await startCallHarness();
});

afterAll(async () => {
  await harness?.close();
});

const defaults: FeatureFlags = {
  sttProvider: 'whisper',
  whisperRolloutPercent: 100,
  llmRoutingEnabled: true,
};

describe('run-time flags', () => {
  it('take effect for calls that start after the change, while a running call keeps its arm', async () => {
    const db = harness.runtime.database.db;
    const before = await harness.startCall();
    const callId = before.workflowId.replace(/^call-/, '');
    const audio = await harness.storeRecording(callId, 'utt-1', 'uk/ast_uk_vm-sorry.wav');
    expect((await before.executeUpdate(turnUpdate, { args: [{ audio }] })).route?.sttArm).toBe(
      'whisper',
    );

    await setFlag(db, 'whisper-rollout-percent', parseFlagValue('whisper-rollout-percent', '0'));
    try {
      expect(await readFlags(db, defaults)).toMatchObject({ whisperRolloutPercent: 0 });

      const again = await before.executeUpdate(turnUpdate, { args: [{ audio }] });
      expect(again.route?.sttArm).toBe('whisper');

      const after = await harness.startCall();
      const afterId = after.workflowId.replace(/^call-/, '');
      const afterAudio = await harness.storeRecording(afterId, 'utt-1', 'uk/ast_uk_vm-sorry.wav');
      const turn = await after.executeUpdate(turnUpdate, { args: [{ audio: afterAudio }] });
      expect(turn.route?.sttArm).toBe('google');

      for (const handle of [before, after]) {
        await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
        await handle.result();
      }
    } finally {
      await clearFlag(db, 'whisper-rollout-percent');
    }
    expect(await readFlags(db, defaults)).toEqual(defaults);
  });

  it('refuse unknown flags and values out of range with a message naming the choices', () => {
    expect(() => parseFlagValue('whisper-rollout', '10')).toThrow(/flags are: stt-provider/);
    expect(() => parseFlagValue('whisper-rollout-percent', '150')).toThrow(/bad value "150"/);
    expect(() => parseFlagValue('stt-provider', 'azure')).toThrow(/bad value "azure"/);
    expect(parseFlagValue('llm-routing-enabled', 'false')).toBe(false);
  });
});
