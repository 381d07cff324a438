import {
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
} from '@temporalio/workflow';

import type { CallSettings } from '../activities/call-setup.js';
import type {
  SttActivities,
  TranscribeInput,
  TranscribeResult,
  WhisperSttActivities,
} from '../activities/stt.js';
import type { SttArm } from '../domain/feature-flags.js';
import { WHISPER_TASK_QUEUE } from './call-messages.js';

/** Failure types raised for input no provider can transcribe: a fallback would fail the same. */
export const PERMANENT_FAILURES = ['AudioNotFound', 'InvalidAudio', 'InvalidInput'];

const TRANSCRIBE = {
  // Sized for whisper.cpp on a busy two-core CPU (the embedded mode), where an utterance can
  // take 10-20 s; Google answers in well under a second, so production turns never get near it.
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
} as const;

const remote = proxyActivities<SttActivities>(TRANSCRIBE);
const local = proxyLocalActivities<SttActivities>(TRANSCRIBE);

/**
 * How a turn's stages on the `calls` queue run. As local activities they run inside the workflow
 * task of the worker that holds the call, so a turn costs one workflow task instead of one per
 * stage plus an activity task each: under 50 calls that halves the time Temporal adds to a
 * turn. Calls started before local stages keep scheduled activities, so they replay unchanged.
 */
export interface StageMode {
  localStages: boolean;
}

const { transcribeWhisper } = proxyActivities<WhisperSttActivities>({
  taskQueue: WHISPER_TASK_QUEUE,
  // Whisper is worth waiting for only briefly: past this a caller would notice the silence, so a
  // turn that no Whisper worker picks up goes to the `calls` queue's provider instead.
  scheduleToStartTimeout: '1500ms',
  // Long enough for whisper.cpp on a CPU; a worker that dies mid-utterance is noticed by its
  // missing heartbeats instead (Whisper workers heartbeat every 5 s while transcribing).
  startToCloseTimeout: '30s',
  heartbeatTimeout: '12s',
  // No retry on Whisper: the fallback is faster than a second attempt on a sick GPU worker.
  retry: { maximumAttempts: 1 },
});

export interface SttOutcome extends TranscribeResult {
  /** The arm the call was assigned. */
  arm: SttArm;
  /** Why a Whisper turn was transcribed by the `calls` queue's provider instead. */
  fallbackReason?: 'whisper-not-started' | 'whisper-timed-out' | 'whisper-failed';
}

/**
 * Transcribes one utterance on the call's arm. A Whisper turn that no worker starts in time, or
 * that fails, is transcribed by the `calls` queue's provider (Google in production), and the
 * outcome says why. Input faults are not retried anywhere.
 */
export async function transcribeTurn(
  turn: number,
  input: TranscribeInput,
  call: CallSettings,
  mode: StageMode,
): Promise<SttOutcome> {
  const arm = call.sttArm ?? 'google';
  let fallbackReason: SttOutcome['fallbackReason'];
  if (arm === 'whisper') {
    try {
      const result = await transcribeWhisper.executeWithOptions(
        { summary: `Transcribe caller turn ${turn} (Whisper, ${WHISPER_TASK_QUEUE} queue)` },
        [input],
      );
      return { ...result, arm };
    } catch (error) {
      if (isPermanent(error)) throw error;
      fallbackReason = whisperFailureReason(error);
    }
  }

  const suffix = fallbackReason ? `, fallback after ${fallbackReason}` : '';
  const { transcribe } = mode.localStages ? local : remote;
  const result = await transcribe.executeWithOptions(
    { summary: `Transcribe caller turn ${turn} (${call.sttProvider}${suffix})` },
    [input],
  );
  return { ...result, arm, fallbackReason };
}

/** The pre-arms path: every turn on the `calls` queue, as calls recorded before arms ran. */
export async function transcribeOnCallsQueue(
  turn: number,
  input: TranscribeInput,
  call: CallSettings,
): Promise<TranscribeResult> {
  return remote.transcribe.executeWithOptions(
    { startToCloseTimeout: '20s', summary: `Transcribe caller turn ${turn} (${call.sttProvider})` },
    [input],
  );
}

function whisperFailureReason(error: unknown): NonNullable<SttOutcome['fallbackReason']> {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof TimeoutFailure) {
    return cause.timeoutType === 'SCHEDULE_TO_START' ? 'whisper-not-started' : 'whisper-timed-out';
  }
  return 'whisper-failed';
}

function isPermanent(error: unknown): boolean {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && PERMANENT_FAILURES.includes(current.type ?? '')) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
