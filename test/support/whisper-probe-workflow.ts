import { proxyActivities } from '@temporalio/workflow';

import type { TranscribeInput, WhisperSttActivities } from '../../activities/stt.js';

/**
 * A one-activity workflow for tests of the `stt-whisper` queue: it asks whichever worker serves
 * that queue to transcribe one utterance, and returns the activity's result.
 */
export async function transcribeOnWhisperQueue(input: TranscribeInput) {
  const { transcribeWhisper } = proxyActivities<WhisperSttActivities>({
    taskQueue: 'stt-whisper',
    // Loading is done before the worker polls; a tiny model transcribes in a second or two.
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { maximumAttempts: 1 },
  });
  return await transcribeWhisper(input);
}
