import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';

import type { CallRecordActivities } from '../activities/call-records.js';
import type { CallSettings, CallSetupActivities } from '../activities/call-setup.js';
import type { TtsActivities } from '../activities/tts.js';
import { addTurn, emptyLedger, ledgerTotalNano, toCostBreakdown } from '../domain/cost-ledger.js';
import type { CostLedger } from '../domain/cost-ledger.js';
import { detectLanguage } from '../domain/language.js';
import type { Language } from '../domain/language.js';
import { chooseModel, routeFirstPhrase } from '../domain/model-router.js';
import type { Route } from '../domain/model-router.js';
import { formatUsd } from '../domain/money.js';
import type { DialogMessage } from '../engines/types.js';
import { bargeInSignal, dtmfSignal } from './bridge-messages.js';
import { hangupSignal, costQuery, transcriptQuery, turnUpdate } from './call-messages.js';
import type {
  CallInput,
  CallSummary,
  HangupInput,
  TranscriptEntry,
  TurnInput,
  TurnResult,
} from './call-messages.js';
import {
  CallLanguage,
  CallScenario,
  CallTurns,
  LlmModel,
  SttArm as SttArmKey,
  SttProvider,
  TotalCostUsd,
} from './search-attributes.js';
import { providerOutage, writeOutageReply, writeReply } from './llm-step.js';
import type { ModelReply } from './llm-step.js';
import { PERMANENT_FAILURES, transcribeOnCallsQueue, transcribeTurn } from './stt-step.js';
import type { StageMode, SttOutcome } from './stt-step.js';
import { turnInputProblem } from './turn-validation.js';
import { rootMessage } from '../domain/failure-chain.js';

/**
 * Calls started before this marker transcribe every turn on the `calls` queue and use one
 * model; later ones have an STT arm with Whisper fallback and model routing.
 */
const ARMS_AND_ROUTING = 'stt-arms-and-llm-routing';

/** Calls from this marker on take the bridge's barge-in and keypad signals into their dialog. */
const BRIDGE_SIGNALS = 'bridge-signals';

/**
 * Calls from this marker on ask speech-to-text to detect the language until the caller has been
 * heard, and speak the language it reported for that first phrase; earlier ones judged it by
 * letters alone.
 */
const STT_LANGUAGE = 'stt-language';

/** Calls from this marker on answer with the built-in dialog while the model provider is down. */
const OUTAGE_DIALOG = 'llm-outage-dialog';

/**
 * Calls from this marker on run the turn's stages on the `calls` queue (speech-to-text there,
 * the reply, its speech) as local activities: see {@link StageMode}.
 */
const LOCAL_STAGES = 'local-turn-stages';
const INTERRUPTED = 'interrupted by the caller';
const KEYS_PRESSED: Record<Language, string> = {
  uk: 'натиснуто на клавіатурі',
  ru: 'нажато на клавиатуре',
};

const { startCall } = proxyActivities<CallSetupActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', maximumAttempts: 5 },
});

const SYNTHESIZE_REPLY = {
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
} as const;
const speech = {
  remote: proxyActivities<TtsActivities>(SYNTHESIZE_REPLY),
  local: proxyLocalActivities<TtsActivities>(SYNTHESIZE_REPLY),
};

const { recordCall } = proxyActivities<CallRecordActivities>({
  startToCloseTimeout: '10s',
  // The call's cost must reach the database even through a long Postgres outage.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** A call longer than this ends on its own; telephony calls rarely last past a few minutes. */
const MAX_CALL_DURATION = '2h';

const CALL_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * One phone call. Each caller utterance arrives as a `turn` Update and is answered with the
 * agent's spoken reply; a `hangup` Signal ends the call, which is then priced and recorded.
 */
export async function callWorkflow(input: CallInput): Promise<CallSummary> {
  if (!CALL_ID.test(input.callId)) {
    throw ApplicationFailure.nonRetryable(
      'callId must be 1-100 letters, digits, dots, dashes or underscores',
      'InvalidInput',
    );
  }

  const startedAt = new Date();
  let hangup: HangupInput | undefined;
  let language: Language = input.language;
  // Assigned once start-up settings arrive; the turn handler, registered earlier, waits for it.
  // eslint-disable-next-line prefer-const
  let settings: CallSettings | undefined;
  let ledger: CostLedger | undefined;
  let turnsStarted = 0;
  let failedTurns = 0;
  let sttFallbacks = 0;
  let llmOutages = 0;
  const escalations: string[] = [];
  let route: Route | undefined;
  let model = '';
  let busy = false;
  const history: DialogMessage[] = [];
  const transcript: TranscriptEntry[] = [];

  setHandler(transcriptQuery, () => transcript);
  setHandler(costQuery, () => toCostBreakdown(ledger ?? emptyLedger('pending')));
  setHandler(hangupSignal, (reason) => {
    hangup ??= reason;
  });

  // What the bridge reports between turns. Calls started before these handlers existed keep
  // their dialog as it was, so their model calls replay with the same inputs.
  const agentMessageOfTurn = new Map<number, number>();
  let keysSinceLastTurn = '';
  setHandler(bargeInSignal, ({ turn, heardText }) => {
    if (!patched(BRIDGE_SIGNALS)) return;
    const index = agentMessageOfTurn.get(turn);
    if (index === undefined) return;
    // The model must not believe the caller heard what playback never reached.
    history[index] = { role: 'agent', text: `${heardText.trim()}… [${INTERRUPTED}]` };
    const entry = transcript.find((item) => item.turn === turn);
    if (entry) entry.heard = heardText;
  });
  setHandler(dtmfSignal, ({ digit }) => {
    if (!patched(BRIDGE_SIGNALS)) return;
    if (/^[0-9*#A-D]$/.test(digit) && keysSinceLastTurn.length < 32) keysSinceLastTurn += digit;
  });

  setHandler(
    turnUpdate,
    async (turnInput: TurnInput): Promise<TurnResult> => {
      // Turns run one at a time, in arrival order, even when the bridge sends them faster.
      await condition(() => !busy && settings !== undefined);
      busy = true;
      const turn = ++turnsStarted;
      try {
        return await runTurn(turn, turnInput, settings!);
      } catch (error) {
        failedTurns += 1;
        throw asTurnFailure(turn, error);
      } finally {
        busy = false;
      }
    },
    {
      validator: (turnInput: TurnInput) => {
        if (hangup) throw new Error('the call has ended: no more turns are accepted');
        const problem = turnInputProblem(turnInput);
        if (problem) throw new Error(`invalid turn: ${problem}`);
      },
    },
  );

  const armsAndRouting = patched(ARMS_AND_ROUTING);
  const sttLanguage = patched(STT_LANGUAGE);
  const stages: StageMode = { localStages: patched(LOCAL_STAGES) };
  let callerHeard = false;
  settings = await startCall.executeWithOptions(
    { startToCloseTimeout: '5s', summary: 'Read prices and providers in force at call start' },
    [{ callId: input.callId }],
  );
  ledger = emptyLedger(settings.pricing.version);
  model = settings.llmModel;
  const sttArm = settings.sttArm ?? 'google';
  upsertSearchAttributes([
    {
      key: SttProvider,
      value: armsAndRouting && sttArm === 'whisper' ? 'whisper.cpp' : settings.sttProvider,
    },
    ...(armsAndRouting ? [{ key: SttArmKey, value: sttArm }] : []),
    { key: LlmModel, value: settings.llmModel },
    { key: CallLanguage, value: language },
    { key: TotalCostUsd, value: 0 },
    { key: CallTurns, value: 0 },
  ]);
  describeCall(input.callId, 0, '0');

  async function runTurn(
    turn: number,
    turnInput: TurnInput,
    call: CallSettings,
  ): Promise<TurnResult> {
    const turnStartedMs = Date.now();

    // Until the caller is heard the recognizer names the language; after it, letters can switch
    // it, so a short or neutral phrase ("Алло", a number) never does.
    const detecting = sttLanguage && !callerHeard;
    const sttInput = {
      callId: input.callId,
      turn,
      audio: turnInput.audio,
      language,
      ...(detecting ? { detectLanguage: true } : {}),
    };
    const sttStartedMs = Date.now();
    const stt: SttOutcome = armsAndRouting
      ? await transcribeTurn(turn, sttInput, call, stages)
      : { ...(await transcribeOnCallsQueue(turn, sttInput, call)), arm: 'google' };
    const sttMs = Date.now() - sttStartedMs;
    if (stt.fallbackReason) {
      sttFallbacks += 1;
      log.warn('whisper turn fell back', { turn, reason: stt.fallbackReason });
    }
    if (stt.transcript.text) {
      language = detecting
        ? stt.transcript.language
        : detectLanguage(stt.transcript.text, language);
      callerHeard = true;
    }
    const keyed = keysSinceLastTurn;
    keysSinceLastTurn = '';
    // Keys the caller pressed (an order number, say) reach the agent with their next phrase.
    history.push({
      role: 'caller',
      text: keyed
        ? `${stt.transcript.text} [${KEYS_PRESSED[language]}: ${keyed}]`.trim()
        : stt.transcript.text,
    });

    if (armsAndRouting && call.models && !route && stt.transcript.text) {
      route = routeFirstPhrase(stt.transcript.text);
      model = chooseModel(route, {
        routingEnabled: call.flags?.llmRoutingEnabled ?? true,
        simpleModel: call.models.simple,
        complexModel: call.models.complex,
      });
      upsertSearchAttributes([
        { key: LlmModel, value: model },
        { key: CallScenario, value: route.scenario },
      ]);
    }
    const llmInput = {
      callId: input.callId,
      callerHash: input.callerHash,
      language,
      history,
      model,
    };
    let llm: ModelReply;
    try {
      llm = await writeReply(
        turn,
        llmInput,
        armsAndRouting ? call.models : undefined,
        stages,
        (reason, complexModel) => {
          // The rest of the call stays on the complex model: it already showed it needs one.
          escalations.push(reason);
          model = complexModel;
          upsertSearchAttributes([{ key: LlmModel, value: model }]);
          log.info('turn escalated to the complex model', { turn, reason });
        },
      );
    } catch (error) {
      const outage = providerOutage(error);
      if (outage === undefined || !patched(OUTAGE_DIALOG)) throw error;
      log.warn('model provider out of service: the built-in dialog answers', { turn, outage });
      llmOutages += 1;
      // `model` as it is now: an escalation in the failed attempt has moved the call on.
      llm = await writeOutageReply(turn, { ...llmInput, model }, outage, stages);
    }
    agentMessageOfTurn.set(turn, history.length);
    history.push({ role: 'agent', text: llm.reply.text });

    const { synthesizeReply } = stages.localStages ? speech.local : speech.remote;
    const tts = await synthesizeReply.executeWithOptions(
      { startToCloseTimeout: '10s', summary: `Speak agent reply ${turn} (${call.ttsProvider})` },
      [{ callId: input.callId, turn, text: llm.reply.text, language: llm.reply.language }],
    );

    const usage = { stt: stt.usage, llm: llm.usage, tts: tts.usage };
    const priced = addTurn(ledger!, usage, call.pricing, { sttMs });
    ledger = priced.ledger;
    transcript.push({
      turn,
      caller: stt.transcript.text,
      agent: llm.reply.text,
      language: llm.reply.language,
    });

    const totalUsd = formatUsd(ledgerTotalNano(ledger));
    upsertSearchAttributes([
      { key: TotalCostUsd, value: Number(totalUsd) },
      { key: CallTurns, value: ledger.turns },
      { key: CallLanguage, value: language },
    ]);
    describeCall(input.callId, ledger.turns, totalUsd);

    if (llm.reply.endCall) hangup ??= { reason: 'agent-ended' };
    else if (llm.reply.transfer) hangup ??= { reason: 'transferred' };

    return {
      turn,
      transcript: stt.transcript,
      reply: {
        text: llm.reply.text,
        language: llm.reply.language,
        audio: tts.audio,
        transfer: llm.reply.transfer,
        endCall: llm.reply.endCall,
      },
      latencyMs: {
        // After a fallback the caller also waited for the attempt that failed.
        stt: stt.fallbackReason ? Math.max(sttMs, stt.elapsedMs) : stt.elapsedMs,
        llm: llm.elapsedMs,
        tts: tts.elapsedMs,
        total: Date.now() - turnStartedMs,
      },
      route: {
        sttArm: stt.arm,
        ...(stt.fallbackReason ? { sttFallback: stt.fallbackReason } : {}),
        model: llm.model,
        ...(llm.escalation ? { escalation: llm.escalation } : {}),
        ...(llm.outage ? { llmOutage: llm.outage } : {}),
      },
      usage,
      costUsd: formatUsd(priced.cost.totalNano),
    };
  }

  const ended = await condition(() => hangup !== undefined, MAX_CALL_DURATION);
  if (!ended) hangup = { reason: 'timeout' };
  await condition(allHandlersFinished);

  const costBreakdown = toCostBreakdown(ledger);
  const totalCostUsd = costBreakdown.totalUsd;
  await recordCall.executeWithOptions(
    {
      startToCloseTimeout: '10s',
      summary: 'Save the call, its outcome and its cost in the calls table',
    },
    [
      {
        id: input.callId,
        workflowId: workflowInfo().workflowId,
        startedAt: startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        callerHash: input.callerHash,
        language,
        sttProvider: settings.sttProvider,
        sttArm: settings.sttArm ?? settings.sttProvider,
        llmModels: Object.keys(ledger.llmByModel),
        escalations: escalations.length,
        escalationReasons: escalations,
        ...(route ? { scenario: route.scenario } : {}),
        turns: ledger.turns,
        endReason: hangup!.reason,
        costBreakdown,
        totalCostUsd,
        pricingVersion: settings.pricing.version,
      },
    ],
  );
  log.info('call recorded', { turns: ledger.turns, totalCostUsd });

  return {
    callId: input.callId,
    turns: ledger.turns,
    failedTurns,
    sttFallbacks,
    ...(llmOutages > 0 ? { llmOutages } : {}),
    escalations,
    endReason: hangup!.reason,
    costBreakdown,
    totalCostUsd,
  };
}

function describeCall(callId: string, turns: number, totalUsd: string): void {
  setCurrentDetails(`**Call** \`${callId}\`\n\nTurns: ${turns}\n\nCost so far: $${totalUsd}`);
}

/**
 * A failed turn fails its Update, never the call: the caller can speak again. Input faults keep
 * their type so the bridge can tell them from provider outages.
 */
function asTurnFailure(turn: number, error: unknown): ApplicationFailure {
  const cause = error instanceof Error ? error : new Error(String(error));
  const type = failureTypeOf(error) ?? 'TurnFailed';
  return ApplicationFailure.create({
    message: `turn ${turn} failed: ${rootMessage(error)}`,
    type,
    nonRetryable: true,
    cause,
  });
}

function failureTypeOf(error: unknown): string | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
    // A stage that ran out of its time budget: retries stopped before a provider answered.
    if (current instanceof TimeoutFailure || /Not enough time/.test(current.message)) {
      return 'TurnTimedOut';
    }
    current = current.cause;
  }
  return undefined;
}
