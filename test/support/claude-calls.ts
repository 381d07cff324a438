import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach } from 'vitest';

import { SPEECH_FORMAT } from '../../domain/audio.js';
import { turnUpdate } from '../../workflows/call-messages.js';
import type { TurnResult } from '../../workflows/call-messages.js';
import type { callWorkflow } from '../../workflows/call-workflow.js';
import { AnthropicFake } from '../fakes/anthropic-fake.js';
import { startCallHarness } from './call-harness.js';
import type { CallHarness } from './call-harness.js';
import { ScriptedStt } from './scripted-stt.js';

export type CallHandle = WorkflowHandle<typeof callWorkflow>;

/** Calls answered by Claude through the real SDK against the Anthropic fake. */
export interface ClaudeCalls {
  readonly fake: AnthropicFake;
  readonly harness: CallHarness;
  /** The caller says `line`: the scripted recognizer hears it in one second of audio. */
  say(handle: CallHandle, line: string): Promise<TurnResult>;
}

/**
 * Starts the fake and a call harness for the test file (with `env` added to the agent's
 * settings), forgets the fake's script and requests before each test, and closes both after.
 */
export function useClaudeCalls(env: Record<string, string> = {}): ClaudeCalls {
  const stt = new ScriptedStt();
  let fake: AnthropicFake | undefined;
  let harness: CallHarness | undefined;
  let utterances = 0;

  beforeAll(async () => {
    fake = await AnthropicFake.start();
    harness = await startCallHarness({
      overrides: { stt },
      env: {
        LLM_PROVIDER: 'anthropic',
        ANTHROPIC_API_KEY: 'sk-ant-test-key',
        ANTHROPIC_BASE_URL: fake.url,
        ...env,
      },
    });
  });
  afterAll(async () => {
    await harness?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake?.reset();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is used before beforeAll started it`);
    return value;
  };
  const calls: ClaudeCalls = {
    get fake() {
      return started(fake, 'the Anthropic fake');
    },
    get harness() {
      return started(harness, 'the call harness');
    },
    async say(handle, line) {
      stt.say(line);
      const callId = handle.workflowId.replace(/^call-/, '');
      const pcm = Buffer.alloc(32_000);
      const key = `call/${callId}/utt-${++utterances}.pcm`;
      await calls.harness.runtime.blobs.put(key, pcm);
      const audio = { key, format: SPEECH_FORMAT, bytes: pcm.length, durationMs: 1000 };
      return handle.executeUpdate(turnUpdate, { args: [{ audio }] });
    },
  };
  return calls;
}
