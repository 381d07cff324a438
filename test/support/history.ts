import type { WorkflowHandle } from '@temporalio/client';

/** A signal or accepted Update as the call's workflow history records it. */
export interface HistoryMessage {
  kind: 'signal' | 'update';
  name: string;
  input: unknown;
}

/** The signals and accepted Updates in a workflow's history, in order, inputs decoded. */
export async function historyMessages(handle: WorkflowHandle): Promise<HistoryMessage[]> {
  const history = await handle.fetchHistory();
  const messages: HistoryMessage[] = [];
  for (const event of history.events ?? []) {
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName) {
      messages.push({
        kind: 'signal',
        name: signal.signalName,
        input: decode(signal.input?.payloads?.[0]?.data),
      });
    }
    const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (update?.input?.name) {
      messages.push({
        kind: 'update',
        name: update.input.name,
        input: decode(update.input.args?.payloads?.[0]?.data),
      });
    }
  }
  return messages;
}

function decode(data: Uint8Array | null | undefined): unknown {
  return data ? JSON.parse(Buffer.from(data).toString('utf8')) : undefined;
}
