import { chooseSttArm } from '../domain/feature-flags.js';
import type { FeatureFlags, SttArm } from '../domain/feature-flags.js';
import type { PricingSnapshot } from '../domain/pricing.js';

/** What a call runs with, fixed at its start and kept in workflow history for replay. */
export interface CallSettings {
  pricing: PricingSnapshot;
  /** Provider of `transcribe` on the `calls` queue: the Google arm, and every fallback. */
  sttProvider: string;
  llmProvider: string;
  /** The model of a call that no routing decides (routing off, or the fallback dialog). */
  llmModel: string;
  ttsProvider: string;
  /** Flags as they were when the call started; absent in calls started by older workers. */
  flags?: FeatureFlags;
  sttArm?: SttArm;
  /** Model ids for simple and complex calls, when the LLM provider routes between models. */
  models?: { simple: string; complex: string };
}

/** Where the flags in force come from: a store operators can change, with env defaults. */
export interface FlagSource {
  current(): Promise<FeatureFlags>;
}

/** Reads the settings in force at call start: prices, providers, flags and the call's arm. */
export function createCallSetupActivities(deps: {
  settings: () => Omit<CallSettings, 'flags' | 'sttArm'>;
  flags: FlagSource;
}) {
  return {
    async startCall(input: { callId: string }): Promise<CallSettings> {
      const flags = await deps.flags.current();
      return { ...deps.settings(), flags, sttArm: chooseSttArm(flags, input.callId) };
    },
  };
}

export type CallSetupActivities = ReturnType<typeof createCallSetupActivities>;
