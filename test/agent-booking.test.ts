import { describe, expect, it } from 'vitest';

import { DEV_CALLER_HASH_SECRET, hashCaller } from '../domain/caller.js';
import { hangupSignal } from '../workflows/call-messages.js';
import { fakeReply } from './fakes/anthropic-fake.js';
import type { FakeResponse, ReceivedRequest } from './fakes/anthropic-fake.js';
import { useClaudeCalls } from './support/claude-calls.js';

const ANNA = hashCaller('+380501234567', DEV_CALLER_HASH_SECRET);
const BOOKING_PHRASE = 'Хочу записатися на монтаж кондиціонера в Києві';

const claude = useClaudeCalls();

/** The JSON the agent sent back for the model's last tool call. */
function lastToolResult(request: ReceivedRequest): Record<string, unknown> {
  const last = request.body.messages.at(-1)?.content;
  const block = Array.isArray(last) ? last.find((item) => item.type === 'tool_result') : undefined;
  return JSON.parse(String(block?.content)) as Record<string, unknown>;
}

/**
 * A model that lists Kyiv's slots, books the earliest, and says how that went. Every call that
 * runs it asks for the slot first offered, as two callers offered the same earliest visit would,
 * however their turns interleave.
 */
function bookingModel(): (request: ReceivedRequest) => FakeResponse {
  let offered: string | undefined;
  return (request) => {
    const lastRole = request.body.messages.at(-1);
    const hasToolResult =
      Array.isArray(lastRole?.content) &&
      lastRole.content.some((block) => block.type === 'tool_result');
    if (!hasToolResult) return fakeReply.toolUse('list_installation_slots', { city: 'Київ' });
    const result = lastToolResult(request);
    if (Array.isArray(result.slots)) {
      offered ??= (result.slots as { slot_id: string }[])[0]!.slot_id;
      return fakeReply.toolUse('book_installation', { slot_id: offered });
    }
    return fakeReply.text(
      result.ok === true
        ? `Записала вас, слот ${String(result.slot_id)}.`
        : `На жаль, цей час уже зайнятий (${String(result.reason)}).`,
    );
  };
}

describe('installation booking through the agent', () => {
  it('gives a slot to exactly one of two calls that race for it', async () => {
    claude.fake.whenIdle(bookingModel());
    const first = await claude.harness.startCall({ callerHash: ANNA });
    const second = await claude.harness.startCall({ callerHash: ANNA });

    const turns = await Promise.all([
      claude.say(first, BOOKING_PHRASE),
      claude.say(second, BOOKING_PHRASE),
    ]);

    const booked = turns.filter((turn) => turn.reply.text.startsWith('Записала вас'));
    const refused = turns.filter((turn) => turn.reply.text.includes('уже зайнятий (taken)'));
    expect(booked).toHaveLength(1);
    expect(refused).toHaveLength(1);
    // The model never names the call: the booking tool takes it from the call itself.
    const bookings = claude.fake.requests.filter((request) =>
      JSON.stringify(request.body.messages).includes('"book_installation"'),
    );
    expect(JSON.stringify(bookings)).not.toContain('callId');

    for (const handle of [first, second]) {
      await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
      await handle.result();
    }
  });
});
