import type { Client, WorkflowHandle } from '@temporalio/client';

import { CALLS_TASK_QUEUE, callWorkflowId } from '../workflows/call-messages.js';
import type { CallInput } from '../workflows/call-messages.js';
import type { callWorkflow } from '../workflows/call-workflow.js';

/**
 * Starts the workflow of a call, or returns the running one when the same call id was started
 * before: a telephony webhook delivered twice must not open a second call.
 */
export async function startCallWorkflow(
  client: Client,
  input: CallInput,
  options: { summary?: string; taskQueue?: string } = {},
): Promise<WorkflowHandle<typeof callWorkflow>> {
  return client.workflow.start<typeof callWorkflow>('callWorkflow', {
    taskQueue: options.taskQueue ?? CALLS_TASK_QUEUE,
    workflowId: callWorkflowId(input.callId),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [input],
    staticSummary: options.summary ?? `Call ${input.callId} (${input.language})`,
  });
}
