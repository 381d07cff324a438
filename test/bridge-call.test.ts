import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningBridge } from '../bridge/bridge-server.js';
import type { BargeInInput, DtmfInput } from '../workflows/bridge-messages.js';
import { callWorkflowId, transcriptQuery } from '../workflows/call-messages.js';
import type { CallSummary, TurnInput } from '../workflows/call-messages.js';
import { startBridgeHarness } from './support/bridge-harness.js';
import type { BridgeHarness } from './support/bridge-harness.js';
import { historyMessages } from './support/history.js';
import { loadSampleMulaw, PhoneCaller, until } from './support/phone-caller.js';
import { keepHistoryFixture } from './support/history-fixtures.js';

let harness: BridgeHarness;
let bridge: RunningBridge;

beforeAll(async () => {
  harness = await startBridgeHarness();
  bridge = await harness.openBridge();
});

afterAll(async () => {
  await harness?.close();
});

describe('a phone call through the bridge', () => {
  it('holds three turns with a keypad press and a barge-in, then hands over to an operator', async () => {
    const callId = `CA${Date.now()}bridge`;
    const fridge = await loadSampleMulaw('synthesized/synth-uk-fridge-price.wav');
    const washer = await loadSampleMulaw('synthesized/synth-uk-washer-in-stock.wav');
    const operator = await loadSampleMulaw('synthesized/synth-uk-operator.wav');
    harness.stt.say(
      'Скільки коштує холодильник?',
      'Чи є в наявності пральна машина?',
      'зʼєднайте мене з оператором',
    );

    const phone = await PhoneCaller.dial(bridge.url, { callId, from: '+380501234567' });
    await phone.silence(300);
    await phone.say(fridge, 800);
    const first = await phone.waitForReplies(1);
    await phone.waitUntilQuiet();
    expect(first.cleared).toBe(false);
    expect(first.frames * 20).toBeGreaterThan(400);

    phone.pressKey('5');
    await phone.say(washer, 800);
    await phone.waitForReplies(2);
    // The caller speaks over the second reply after hearing half a second of it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const overlap = phone.say(operator, 1000);
    await until(() => phone.clears > 0, 5000, 'the bridge to stop its reply');
    await overlap;
    expect(phone.replies[1]!.cleared).toBe(true);
    await phone.waitForReplies(3);
    // The caller asked for a human: once the reply has played, the bridge ends the stream (a
    // Twilio call then goes on to the TwiML after <Connect>, e.g. a <Dial> to the shop).
    expect(await phone.closed).toBe(1000);

    const handle = harness.calls.temporal.client.workflow.getHandle(callWorkflowId(callId));
    const summary = (await handle.result()) as CallSummary;
    expect(summary).toMatchObject({ turns: 3, failedTurns: 0, endReason: 'transferred' });
    const transcript = await handle.query(transcriptQuery);
    expect(transcript.map((entry) => entry.caller)).toEqual([
      'Скільки коштує холодильник?',
      'Чи є в наявності пральна машина?',
      'зʼєднайте мене з оператором',
    ]);

    const messages = await historyMessages(handle);
    const turns = messages
      .filter((m) => m.name === 'turn')
      .map((m) => (m.input as TurnInput).audio);
    expect(turns).toHaveLength(3);
    for (const audio of turns) {
      expect(audio.format).toEqual({ encoding: 'mulaw', sampleRateHz: 8000, channels: 1 });
      // Each utterance is the spoken sample, give or take the pre-roll and the tail kept.
      expect(audio.durationMs).toBeGreaterThan(800);
    }
    const dtmf = messages.find((m) => m.name === 'dtmf')?.input as DtmfInput;
    expect(dtmf.digit).toBe('5');
    const bargeIn = messages.find((m) => m.name === 'bargeIn')?.input as BargeInInput;
    expect(bargeIn.turn).toBe(2);
    expect(bargeIn.heardMs).toBeGreaterThan(0);
    expect(bargeIn.heardMs).toBeLessThan(bargeIn.replyMs);
    expect(transcript[1]!.agent.startsWith(bargeIn.heardText)).toBe(true);
    // The workflow records how much of the interrupted reply the caller heard.
    expect(transcript[1]!.heard).toBe(bargeIn.heardText);
    await keepHistoryFixture(
      'local-stages-bridge-barge-in-and-keypad',
      await handle.fetchHistory(),
    );

    const metrics = await fetch(`${bridge.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/dzvin_bridge_barge_ins_total 1/);
    expect(metrics).toMatch(/dzvin_bridge_reply_latency_seconds_count 3/);
    expect(metrics).toMatch(/dzvin_bridge_dtmf_total 1/);
  });
});
