import { describe, expect, it } from 'vitest';

import { getCall } from '../db/calls-repository.js';
import { DEV_CALLER_HASH_SECRET, hashCaller } from '../domain/caller.js';
import { hangupSignal } from '../workflows/call-messages.js';
import { fakeReply } from './fakes/anthropic-fake.js';
import type { FakeResponse, ReceivedRequest } from './fakes/anthropic-fake.js';
import { keepHistoryFixture } from './support/history-fixtures.js';
import { useClaudeCalls } from './support/claude-calls.js';
import type { CallHandle } from './support/claude-calls.js';

const HAIKU = 'claude-haiku-4-5';
const SONNET = 'claude-sonnet-4-5';
const ANNA = hashCaller('+380501234567', DEV_CALLER_HASH_SECRET);

const SIMPLE_PHRASE = 'Скільки коштує холодильник Samsung?';
const COMPLEX_PHRASE = 'Що краще взяти, пральну машину Bosch чи Electrolux, і чи робите ви монтаж?';

const claude = useClaudeCalls({ LLM_MODEL_SIMPLE: HAIKU, LLM_MODEL_COMPLEX: SONNET });

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

const modelsAsked = () => claude.fake.requests.map((request) => request.body.model);

async function finish(handle: CallHandle) {
  await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
  const summary = await handle.result();
  const row = await getCall(claude.harness.runtime.database.db, summary.callId);
  return { summary, row: row! };
}

describe('model routing by the first phrase', () => {
  it('serves a simple call on Haiku and a complex one on Sonnet', async () => {
    claude.fake.whenIdle(
      byModel(() => fakeReply.text('Холодильник коштує 29 999 гривень, є в наявності.')),
    );

    const simple = await claude.harness.startCall({ callerHash: ANNA });
    const simpleTurn = await claude.say(simple, SIMPLE_PHRASE);
    expect(simpleTurn.route?.model).toBe(HAIKU);
    expect(simpleTurn.reply.text).toContain('29 999');
    const complex = await claude.harness.startCall({ callerHash: ANNA });
    const complexTurn = await claude.say(complex, COMPLEX_PHRASE);
    expect(complexTurn.route?.model).toBe(SONNET);
    expect(modelsAsked()).toEqual([HAIKU, SONNET]);
    const toolsOf = (i: number) => claude.fake.requests[i]!.body.tools!.map((tool) => tool.name);
    expect(toolsOf(0)).toContain('escalate_to_expert');
    expect(toolsOf(1)).not.toContain('escalate_to_expert');

    const simpleCall = await finish(simple);
    expect(simpleCall.row.llmModels).toEqual([HAIKU]);
    expect(simpleCall.row.escalations).toBe(0);
    const complexCall = await finish(complex);
    expect(complexCall.row.llmModels).toEqual([SONNET]);

    const metrics = await claude.harness.runtime.metrics.metrics();
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
      claude.fake.whenIdle(byModel(haiku));
      const handle = await claude.harness.startCall({ callerHash: ANNA });

      const first = await claude.say(handle, SIMPLE_PHRASE);
      expect(first.route).toMatchObject({ model: SONNET, escalation: reason });
      expect(first.reply.text).toBe('Добре, зараз усе поясню детально.');
      expect(modelsAsked().at(-1)).toBe(SONNET);
      expect(modelsAsked()).toContain(HAIKU);

      const asked = claude.fake.requests.length;
      const second = await claude.say(handle, 'А доставка скільки коштує?');
      expect(second.route).toEqual({ sttArm: 'whisper', model: SONNET });
      expect(modelsAsked().slice(asked)).toEqual([SONNET]);

      const { summary, row } = await finish(handle);
      expect(summary.escalations).toEqual([reason]);
      expect(row.escalations).toBe(1);
      expect(row.llmModels).toContain(SONNET);
      const metrics = await claude.harness.runtime.metrics.metrics();
      expect(metrics).toContain(`dzvin_llm_escalations_total{reason="${reason}"} 1`);
      if (reason === 'asked-to-escalate') {
        await keepHistoryFixture('local-stages-routed-call-escalated', await handle.fetchHistory());
      }
    },
  );

  describe('with routing switched off', () => {
    const unrouted = useClaudeCalls({
      LLM_MODEL_SIMPLE: HAIKU,
      LLM_MODEL_COMPLEX: SONNET,
      FF_LLM_ROUTING_ENABLED: 'false',
    });

    it('sends every call to Sonnet, simple first phrase or not', async () => {
      unrouted.fake.whenIdle(byModel(() => fakeReply.text('Так.')));
      const handle = await unrouted.harness.startCall({ callerHash: ANNA });
      const turn = await unrouted.say(handle, SIMPLE_PHRASE);
      expect(turn.route?.model).toBe(SONNET);
      expect(unrouted.fake.requests.map((request) => request.body.model)).toEqual([SONNET]);
      await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
      await handle.result();
    });
  });
});
