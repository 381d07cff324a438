import { fileURLToPath } from 'node:url';

import { NativeConnection, Worker } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';

import { CALLS_TASK_QUEUE } from '../workflows/call-messages.js';

/** The workflow entry point the worker bundles for Temporal's deterministic sandbox. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * The worker of the `calls` task queue: it runs call workflows and the activities of every
 * stage that needs no GPU.
 */
export async function createCallsWorker(options: {
  address: string;
  namespace: string;
  activities: object;
  taskQueue?: string;
  bundle?: WorkerOptions['workflowBundle'];
}): Promise<Worker> {
  const connection = await NativeConnection.connect({ address: options.address });
  return Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? CALLS_TASK_QUEUE,
    activities: options.activities,
    ...(options.bundle ? { workflowBundle: options.bundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
}
