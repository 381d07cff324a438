/**
 * The simulated phone callers of bench/bridge-load.ts, in a process of their own so that their
 * audio streaming does not share an event loop with the `calls` worker they load:
 *
 *   npx tsx bench/bridge-callers.ts URL CALLS TURNS [DIAL_OVER_MS]
 *
 * Each caller speaks a real sample (samples/synthesized/synth-uk-fridge-price.wav) as 20 ms
 * frames in real time and waits for the reply, for TURNS turns. Prints one JSON line: the
 * latency each caller heard on each turn (last speech frame sent → first reply frame received),
 * and how many turns got no reply within 30 s.
 */
import { loadSampleMulaw, PhoneCaller } from '../test/support/phone-caller.js';

const [url = '', callsArg = '50', turnsArg = '3', dialOverArg = '8000'] = process.argv.slice(2);
const calls = Number(callsArg);
const turns = Number(turnsArg);
let missed = 0;

async function runCaller(callId: string, index: number, sample: Buffer): Promise<number[]> {
  // Callers dial one after another over DIAL_OVER_MS: real calls do not all start on one frame.
  await new Promise((resolve) => setTimeout(resolve, (index * Number(dialOverArg)) / calls));
  const phone = await PhoneCaller.dial(url, { callId });
  const heard: number[] = [];
  await phone.silence(300);
  for (let turn = 1; turn <= turns; turn++) {
    await phone.say(sample, 1000);
    const reply = await phone.waitForReplies(turn, 30_000).catch(() => undefined);
    if (!reply) {
      missed += 1;
      break;
    }
    heard.push(reply.firstFrameAtMs - phone.lastSpeechSentAtMs);
    await phone.waitUntilQuiet(30_000);
  }
  await phone.hangUp();
  return heard;
}

const sample = await loadSampleMulaw('synthesized/synth-uk-fridge-price.wav');
const prefix = `bench${Date.now()}n`;
const heard = await Promise.all(
  Array.from({ length: calls }, (_, i) => runCaller(`${prefix}${i}`, i, sample)),
);
console.log(JSON.stringify({ perceivedMs: heard.flat(), missed }));
