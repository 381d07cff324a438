import type { PricingSnapshot } from '../domain/pricing.js';

/** What a call runs with, fixed at its start and kept in workflow history for replay. */
export interface CallSettings {
  pricing: PricingSnapshot;
  sttProvider: string;
  llmProvider: string;
  llmModel: string;
  ttsProvider: string;
}

/** Reads the settings in force at call start: prices and the provider of each stage. */
export function createCallSetupActivities(deps: { settings: () => CallSettings }) {
  return {
    // Async because Temporal activities return promises; the settings are read in process.
    // eslint-disable-next-line @typescript-eslint/require-await
    async startCall(_input: { callId: string }): Promise<CallSettings> {
      return deps.settings();
    },
  };
}

export type CallSetupActivities = ReturnType<typeof createCallSetupActivities>;
