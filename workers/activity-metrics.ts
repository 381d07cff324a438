import type { CallRecord } from '../activities/call-records.js';
import type { GenerateReplyResult } from '../activities/llm.js';
import type { TranscribeResult } from '../activities/stt.js';
import type { SynthesizeResult } from '../activities/tts.js';
import { priceLlm } from '../domain/cost-ledger.js';
import type { RoutingScenario } from '../domain/model-router.js';
import type { PricingSnapshot } from '../domain/pricing.js';
import type { CostMetrics } from '../infra/cost-metrics.js';
import type { LlmMetrics } from '../infra/llm-metrics.js';

/** The activities whose results carry cost, usage or latency, by the name a worker registers. */
interface MeteredActivities {
  transcribe?: (...args: never[]) => Promise<TranscribeResult>;
  transcribeWhisper?: (...args: never[]) => Promise<TranscribeResult>;
  generateReply?: (...args: never[]) => Promise<GenerateReplyResult>;
  replyDuringOutage?: (...args: never[]) => Promise<GenerateReplyResult>;
  synthesizeReply?: (...args: never[]) => Promise<SynthesizeResult>;
  recordCall?: (record: CallRecord) => Promise<void>;
}

/**
 * Wraps the stage and call-record activities so that each successful run counts its cost, usage
 * and latency on `metrics`; a failed attempt counts nothing, so a retried stage is counted once.
 * A metric that cannot be recorded (a provider missing from the price list) is reported through
 * `onError` and never fails the activity: the caller's turn matters more than a counter.
 */
export function withCostMetrics<T extends MeteredActivities>(
  activities: T,
  metrics: CostMetrics,
  onError: (error: unknown, activity: string) => void,
): T {
  const wrapped: MeteredActivities = { ...activities };
  const after = <A extends unknown[], R>(
    name: keyof MeteredActivities,
    run: ((...args: A) => Promise<R>) | undefined,
    record: (result: R, args: A) => void,
  ) => {
    if (!run) return undefined;
    return async (...args: A): Promise<R> => {
      const result = await run(...args);
      try {
        record(result, args);
      } catch (error) {
        onError(error, name);
      }
      return result;
    };
  };

  const stt = (result: TranscribeResult) => metrics.recordStt(result.usage, result.elapsedMs);
  wrapped.transcribe = after('transcribe', activities.transcribe, stt);
  wrapped.transcribeWhisper = after('transcribeWhisper', activities.transcribeWhisper, stt);
  const llm = (result: GenerateReplyResult) =>
    metrics.recordLlm(result.reply.usage, result.elapsedMs);
  wrapped.generateReply = after('generateReply', activities.generateReply, llm);
  wrapped.replyDuringOutage = after('replyDuringOutage', activities.replyDuringOutage, llm);
  wrapped.synthesizeReply = after('synthesizeReply', activities.synthesizeReply, (result) =>
    metrics.recordTts(result.usage, result.elapsedMs),
  );
  wrapped.recordCall = after('recordCall', activities.recordCall, (_result, [record]) =>
    metrics.recordCall(record),
  );
  for (const key of Object.keys(wrapped) as (keyof MeteredActivities)[]) {
    if (wrapped[key] === undefined) delete wrapped[key];
  }
  return wrapped as T;
}

/**
 * Wraps the reply and call-record activities so that LLM routing shows on /metrics: every model
 * turn with its tokens, cost and latency, and per finished call its model, scenario and the
 * reasons it escalated.
 */
export function withLlmMetrics<T extends MeteredActivities>(
  activities: T,
  metrics: LlmMetrics,
  pricing: PricingSnapshot,
  onError: (error: unknown, activity: string) => void,
): T {
  const wrapped: MeteredActivities = { ...activities };
  const { recordCall } = activities;
  for (const name of ['generateReply', 'replyDuringOutage'] as const) {
    const reply = activities[name];
    if (!reply) continue;
    wrapped[name] = async (...args) => {
      const result = await reply(...args);
      try {
        const usage = result.reply.usage;
        metrics.recordTurn({
          usage,
          costNanoUsd: priceLlm(usage, pricing),
          latencyMs: result.elapsedMs,
        });
      } catch (error) {
        onError(error, name);
      }
      return result;
    };
  }
  if (recordCall) {
    wrapped.recordCall = async (record) => {
      await recordCall(record);
      try {
        const model = record.llmModels.at(-1);
        if (model) {
          metrics.recordCallStart({
            model,
            scenario: (record.scenario ?? 'unknown') as RoutingScenario,
          });
        }
        for (const reason of record.escalationReasons ?? []) metrics.recordEscalation(reason);
      } catch (error) {
        onError(error, 'recordCall');
      }
    };
  }
  return wrapped as T;
}
