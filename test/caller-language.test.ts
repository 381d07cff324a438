import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { getCall } from '../db/calls-repository.js';
import { detectLanguage } from '../domain/language.js';
import { hangupSignal, transcriptQuery, turnUpdate } from '../workflows/call-messages.js';
import { startCallHarness } from './support/call-harness.js';
import type { CallHarness } from './support/call-harness.js';
import { keepHistoryFixture } from './support/history-fixtures.js';
import { ScriptedStt } from './support/scripted-stt.js';
import type { ScriptedLine } from './support/scripted-stt.js';

let harness: CallHarness;
const stt = new ScriptedStt();

beforeAll(async () => {
  harness = await startCallHarness({ overrides: { stt } });
});

afterAll(async () => {
  await harness?.close();
});

describe("the caller's language", () => {
  it('is detected until the caller is heard, then kept unless the words say otherwise', async () => {
    const handle = await harness.startCall({ language: 'uk' });
    const callId = handle.workflowId.replace(/^call-/, '');
    const turn = async (n: number, line: string | ScriptedLine) => {
      stt.say(line);
      const audio = await harness.storeRecording(callId, `utt-${n}`, 'ru/ast_ru_transfer.wav');
      return handle.executeUpdate(turnUpdate, { args: [{ audio }] });
    };

    // A silent first utterance tells nothing; the phrase after it is in Russian, though none of
    // its letters are Russian-only, so only the recognizer can tell.
    await turn(1, '');
    const question = await turn(2, { text: 'Сколько стоит холодильник Samsung?', language: 'ru' });
    const thanks = await turn(3, { text: 'Спасибо', language: 'ru' });
    // Once heard, a neutral phrase the recognizer files under the other language changes nothing.
    const hello = await turn(4, { text: 'Алло', language: 'uk' });

    expect(stt.hints.map((hint) => hint.detect)).toEqual([true, true, false, false]);
    expect(stt.hints[2]?.language).toBe('ru');
    expect(question.reply.language).toBe('ru');
    expect(detectLanguage(question.reply.text, 'uk')).toBe('ru');
    expect(thanks.reply.language).toBe('ru');
    expect(hello.reply.language).toBe('ru');
    const transcript = await handle.query(transcriptQuery);
    expect(transcript.map((entry) => entry.language)).toEqual(['uk', 'ru', 'ru', 'ru']);

    await handle.signal(hangupSignal, { reason: 'caller-hung-up' });
    await handle.result();
    await keepHistoryFixture('local-stages-caller-language', await handle.fetchHistory());
    expect((await getCall(harness.runtime.database.db, callId))?.language).toBe('ru');
  });
});
