import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningBridge } from '../bridge/bridge-server.js';
import { callWorkflowId } from '../workflows/call-messages.js';
import type { CallSummary } from '../workflows/call-messages.js';
import { startBridgeHarness } from './support/bridge-harness.js';
import type { BridgeHarness } from './support/bridge-harness.js';
import { loadSampleMulaw, PhoneCaller, until } from './support/phone-caller.js';

let harness: BridgeHarness;
let bridge: RunningBridge;
let fridge: Buffer;
let sequence = 0;

beforeAll(async () => {
  harness = await startBridgeHarness();
  bridge = await harness.openBridge();
  fridge = await loadSampleMulaw('synthesized/synth-uk-fridge-price.wav');
});

afterAll(async () => {
  await harness?.close();
});

const newCallId = () => `CArobust${Date.now()}x${++sequence}`;

async function callResult(callId: string): Promise<CallSummary> {
  const handle = harness.calls.temporal.client.workflow.getHandle(callWorkflowId(callId));
  return (await handle.result()) as CallSummary;
}

async function metric(target: RunningBridge, pattern: RegExp): Promise<number> {
  const text = await fetch(`${target.url}/metrics`).then((response) => response.text());
  return Number(pattern.exec(text)?.[1] ?? 0);
}

describe('a bridge under bad input', () => {
  it('refuses malformed messages, counts each, and still answers the caller', async () => {
    const callId = newCallId();
    harness.stt.say('Скільки коштує холодильник?');
    const phone = await PhoneCaller.dial(bridge.url, { callId });

    phone.sendRaw('{"event": "media", "media": {');
    phone.sendRaw(JSON.stringify({ event: 'party', streamSid: 'MZ' }));
    phone.sendRaw(Buffer.from([0x00, 0xff, 0x10]));
    phone.sendJson({ event: 'media', media: { payload: '@@not base64@@' } });
    phone.sendJson({ event: 'media', media: { payload: '' } });
    phone.sendJson({ event: 'media', media: { payload: Buffer.alloc(4000).toString('base64') } });
    phone.sendJson({ event: 'dtmf', dtmf: { digit: 'seven' } });

    await phone.say(fridge, 800);
    await phone.waitForReplies(1);
    await phone.hangUp();

    expect(await callResult(callId)).toMatchObject({ turns: 1, endReason: 'caller-hung-up' });
    const errors = (reason: string) =>
      metric(bridge, new RegExp(`protocol_errors_total\\{reason="${reason}"\\} (\\d+)`));
    expect(await errors('malformed-json')).toBe(1);
    expect(await errors('unknown-event')).toBe(1);
    expect(await errors('invalid-message')).toBe(3);
    expect(await errors('bad-payload-size')).toBe(2);
  });

  it('drops a flood of frames, closes a stream that keeps flooding, and hangs its call up', async () => {
    const callId = newCallId();
    const phone = await PhoneCaller.dial(bridge.url, { callId });
    const silence = Buffer.alloc(160, 0xff).toString('base64');
    // Fifteen seconds of audio in one burst: no caller speaks faster than time passes.
    for (let i = 0; i < 750; i++) phone.sendJson({ event: 'media', media: { payload: silence } });

    // The bridge closes the stream (the close code may be lost while the flood is in flight).
    await phone.closed;
    expect(await callResult(callId)).toMatchObject({ turns: 0, endReason: 'error' });
    expect(await metric(bridge, /frames_dropped_total\{reason="flood"\} (\d+)/)).toBeGreaterThan(
      500,
    );
  });

  it('hangs up a call whose stream dropped mid-turn, once the reconnect grace has passed', async () => {
    const callId = newCallId();
    harness.stt.say('Скільки коштує холодильник?');
    const phone = await PhoneCaller.dial(bridge.url, { callId });
    // The utterance ends 700 ms into the silence; the network dies while its turn runs.
    await phone.say(fridge, 750);
    phone.drop();

    const summary = await callResult(callId);
    expect(summary.endReason).toBe('caller-hung-up');
    expect(summary.turns).toBe(1);
    expect(await metric(bridge, /sockets_lost_total (\d+)/)).toBeGreaterThanOrEqual(1);
  });

  it('continues the same workflow when the stream of a call reconnects', async () => {
    const callId = newCallId();
    harness.stt.say('Скільки коштує холодильник?', 'А пральна машина є?');
    const first = await PhoneCaller.dial(bridge.url, { callId });
    await first.say(fridge, 800);
    await first.waitForReplies(1);
    first.drop();

    const second = await PhoneCaller.dial(bridge.url, { callId });
    await second.say(fridge, 800);
    await second.waitForReplies(1);
    await second.hangUp();

    expect(await callResult(callId)).toMatchObject({ turns: 2, endReason: 'caller-hung-up' });
  });
});

describe('a bridge with a silent caller', () => {
  it('asks once whether the caller is there, then says goodbye and hangs up', async () => {
    const quickBridge = await harness.openBridge({ silenceTimeoutMs: 1500 });
    const callId = newCallId();
    const phone = await PhoneCaller.dial(quickBridge.url, { callId });
    void phone.silence(20_000);

    expect(await phone.closed).toBe(1000);
    expect(phone.replies).toHaveLength(2);
    expect(await callResult(callId)).toMatchObject({ turns: 0, endReason: 'timeout' });
    expect(await metric(quickBridge, /prompts_total\{prompt="stillThere"\} (\d+)/)).toBe(1);
    expect(await metric(quickBridge, /prompts_total\{prompt="goodbye"\} (\d+)/)).toBe(1);
  });

  it('ends a call at the longest duration allowed with a goodbye', async () => {
    const shortBridge = await harness.openBridge({ maxCallMs: 2000 });
    const callId = newCallId();
    harness.stt.say('Скільки коштує холодильник?');
    const phone = await PhoneCaller.dial(shortBridge.url, { callId });
    const speaking = phone.say(fridge, 10_000);

    await until(() => phone.replies.length >= 1, 10_000, 'the goodbye');
    expect(await phone.closed).toBe(1000);
    await speaking;
    expect((await callResult(callId)).endReason).toBe('timeout');
  });
});
