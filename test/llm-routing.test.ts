import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { getCall } from '../db/calls-repository.js';
import { SPEECH_FORMAT } from '../domain/audio.js';
import { DEV_CALLER_HASH_SECRET, hashCaller } from '../domain/caller.js';
import { hangupSignal, turnUpdate } from '../workflows/call-messages.js';
import type { TurnResult } from '../workflows/call-messages.js';
import type { callWorkflow } from '../workflows/call-workflow.js';
import { AnthropicFake, fakeReply } from './fakes/anthropic-fake.js';
import type { FakeResponse, ReceivedRequest } from './fakes/anthropic-fake.js';
import { startCallHarness } from './support/call-harness.js';
import type { CallHarness } from './support/call-harness.js';
import { keepHistoryFixture } from './support/history-fixtures.js';
import { ScriptedStt } from './support/scripted-stt.js';

const HAIKU = 'claude-haiku-4-5';
const SONNET = 'claude-sonnet-4-5';
const ANNA = hashCaller('+380501234567', DEV_CALLER_HASH_SECRET);

const SIMPLE_PHRASE = 'Скільки коштує холодильник Samsung?';
const COMPLEX_PHRASE = 'Що краще взяти, пральну машину Bosch чи Electrolux, і чи робите ви монтаж?';

let fake: AnthropicFake;
let harness: CallHarness;
const stt = new ScriptedStt();
let utterances = 0;

beforeAll(async () => {
  fake = await AnthropicFake.start();
  harness = await startCallHarness({
    overrides: { stt },
    env: {
      LLM_PROVIDER: 'anthropic',
      ANTHROPIC_API_KEY: 'sk-ant-test-key',
      ANTHROPIC_BASE_URL: fake.url,
      LLM_MODEL_SIMPLE: HAIKU,
      LLM_MODEL_COMPLEX: SONNET,
    },
  });
});

afterAll(async () => {
  await harness?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
});

type CallHandle = WorkflowHandle<typeof callWorkflow>;

async function say(handle: CallHandle, line: string): Promise<TurnResult> {
  stt.say(line);
  const callId = handle.workflowId.replace(/^call-/, '');
  const pcm = Buffer.alloc(32_000);
  const key = `call/${callId}/utt-${++utterances}.pcm`;
  await harness.runtime.blobs.put(key, pcm);
  const audio = { key, format: SPEECH_FORMAT, bytes: pcm.length, durationMs: 1000 };
  return handle.executeUpdate(turnUpdate, { args: [{ audio }] });
}

/** Answers every request by model: Haiku as scripted, Sonnet with a plain Ukrainian line. */
function byModel(haiku: (request: ReceivedRequest) => FakeResponse) {
  return (request: ReceivedRequest): FakeResponse =>
    request.body.model === HAIKU
      ? haiku(request)
      : fakeReply.text('Добре, зараз усе поясню детально.', {
          input_tokens: 900,
          output_tokens: 40,
        });
}

const modelsAsked = () => fake.requests.map((request) => request.body.model);

async function finish(handle: CallHandle) {
  await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
  const summary = await handle.result();
  const row = await getCall(harness.runtime.database.db, summary.callId);
  return { summary, row: row! };
}

describe('model routing by the first phrase', () => {
  it('serves a simple call on Haiku and a complex one on Sonnet', async () => {
    fake.whenIdle(
      byModel(() => fakeReply.text('Холодильник коштує 29 999 гривень, є в наявності.')),
    );

    const simple = await harness.startCall({ callerHash: ANNA });
    const simpleTurn = await say(simple, SIMPLE_PHRASE);
    expect(simpleTurn.route?.model).toBe(HAIKU);
    expect(simpleTurn.reply.text).toContain('29 999');
    const complex = await harness.startCall({ callerHash: ANNA });
    const complexTurn = await say(complex, COMPLEX_PHRASE);
    expect(complexTurn.route?.model).toBe(SONNET);
    expect(modelsAsked()).toEqual([HAIKU, SONNET]);
    const toolsOf = (i: number) => fake.requests[i]!.body.tools!.map((tool) => tool.name);
    expect(toolsOf(0)).toContain('escalate_to_expert');
    expect(toolsOf(1)).not.toContain('escalate_to_expert');

    const simpleCall = await finish(simple);
    expect(simpleCall.row.llmModels).toEqual([HAIKU]);
    expect(simpleCall.row.escalations).toBe(0);
    const complexCall = await finish(complex);
    expect(complexCall.row.llmModels).toEqual([SONNET]);

    const metrics = await harness.runtime.metrics.metrics();
    expect(metrics).toMatch(
      /dzvin_llm_calls_total\{model="claude-haiku-4-5",scenario="price"\} [1-9]/,
    );
    expect(metrics).toMatch(/dzvin_llm_turns_total\{model="claude-sonnet-4-5"\} [1-9]/);
  });
});

describe('escalation from Haiku to Sonnet', () => {
  const cases: [string, (request: ReceivedRequest) => FakeResponse][] = [
    ['simple-model-failed', () => fakeReply.serverError()],
    ['asked-to-escalate', () => fakeReply.toolUse('escalate_to_expert', { reason: 'advice' })],
    ['empty-reply', () => fakeReply.text('')],
    ['wrong-language', () => fakeReply.text('Здравствуйте, этот холодильник стоит недорого.')],
    ['malformed-tool-call', () => fakeReply.toolUse('order_status', { order_number: 'abc' })],
    ['forbidden-tool', () => fakeReply.toolUse('change_price', { sku: 'X', price_uah: 1 })],
  ];

  it.each(cases)(
    'reruns the turn on Sonnet after %s and keeps the call there',
    async (reason, haiku) => {
      fake.whenIdle(byModel(haiku));
      const handle = await harness.startCall({ callerHash: ANNA });

      const first = await say(handle, SIMPLE_PHRASE);
      expect(first.route).toMatchObject({ model: SONNET, escalation: reason });
      expect(first.reply.text).toBe('Добре, зараз усе поясню детально.');
      expect(modelsAsked().at(-1)).toBe(SONNET);
      expect(modelsAsked()).toContain(HAIKU);

      const asked = fake.requests.length;
      const second = await say(handle, 'А доставка скільки коштує?');
      expect(second.route).toEqual({ sttArm: 'whisper', model: SONNET });
      expect(modelsAsked().slice(asked)).toEqual([SONNET]);

      const { summary, row } = await finish(handle);
      expect(summary.escalations).toEqual([reason]);
      expect(row.escalations).toBe(1);
      expect(row.llmModels).toContain(SONNET);
      const metrics = await harness.runtime.metrics.metrics();
      expect(metrics).toContain(`dzvin_llm_escalations_total{reason="${reason}"} 1`);
      if (reason === 'asked-to-escalate') {
        await keepHistoryFixture('routed-call-escalated', await handle.fetchHistory());
      }
    },
  );

  it('sends every call to Sonnet when routing is switched off', async () => {
    fake.whenIdle(byModel(() => fakeReply.text('Так.')));
    const off = await startCallHarness({
      overrides: { stt },
      env: {
        LLM_PROVIDER: 'anthropic',
        ANTHROPIC_API_KEY: 'sk-ant-test-key',
        ANTHROPIC_BASE_URL: fake.url,
        LLM_MODEL_SIMPLE: HAIKU,
        LLM_MODEL_COMPLEX: SONNET,
        FF_LLM_ROUTING_ENABLED: 'false',
      },
    });
    try {
      const handle = await off.startCall({ callerHash: ANNA });
      stt.say(SIMPLE_PHRASE);
      const callId = handle.workflowId.replace(/^call-/, '');
      const pcm = Buffer.alloc(32_000);
      await off.runtime.blobs.put(`call/${callId}/utt.pcm`, pcm);
      const turn = await handle.executeUpdate(turnUpdate, {
        args: [
          {
            audio: {
              key: `call/${callId}/utt.pcm`,
              format: SPEECH_FORMAT,
              bytes: pcm.length,
              durationMs: 1000,
            },
          },
        ],
      });
      expect(turn.route?.model).toBe(SONNET);
      expect(modelsAsked()).toEqual([SONNET]);
      await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
      await handle.result();
    } finally {
      await off.close();
    }
  });
});
