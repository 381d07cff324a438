import type { CostBreakdown } from '../domain/cost-ledger.js';
import type { Language } from '../domain/language.js';

/** One finished call as stored in the `calls` table. */
export interface CallRecord {
  id: string;
  workflowId: string;
  startedAt: string;
  endedAt: string;
  callerHash?: string;
  language: Language;
  sttProvider: string;
  sttArm: string;
  llmModels: string[];
  escalations: number;
  /** Why the call left the simple model, when it did (metrics only; not a column). */
  escalationReasons?: string[];
  /** The routing scenario of the call's first phrase, when it was routed. */
  scenario?: string;
  turns: number;
  endReason: string;
  costBreakdown: CostBreakdown;
  totalCostUsd: string;
  pricingVersion: string;
}

/** Persistence of finished calls. Upserts by call id, so a retried activity writes one row. */
export function createCallRecordActivities(deps: {
  calls: { upsert(record: CallRecord): Promise<void> };
}) {
  return {
    async recordCall(record: CallRecord): Promise<void> {
      await deps.calls.upsert(record);
    },
  };
}

export type CallRecordActivities = ReturnType<typeof createCallRecordActivities>;
