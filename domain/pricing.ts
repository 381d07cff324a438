/** Prices in force when a call starts. The workflow keeps this snapshot for the whole call. */
export interface PricingSnapshot {
  version: string;
  stt: Record<string, { usdPerMinute: number; billingIncrementMs: number; source: string }>;
  llm: Record<
    string,
    {
      inputUsdPerMTok: number;
      outputUsdPerMTok: number;
      cacheWriteUsdPerMTok: number;
      cacheReadUsdPerMTok: number;
      source: string;
    }
  >;
  /** Keyed by `provider` or `provider:tier`. */
  tts: Record<string, { usdPerMChars: number; source: string }>;
}

/**
 * The counterfactual setup savings are measured against, as named in a price list's `baseline`
 * section: each field names an entry of the same price list.
 */
export interface BaselineSetup {
  description: string;
  /** Key of `stt`: the provider every request would have gone to, at its billing increment. */
  stt: string;
  /** Key of `llm`: the one model every reply would have been written by. */
  llmModel: string;
  /** False: cache writes and reads would all have been paid as plain input tokens. */
  promptCaching: boolean;
  /** Key of `tts` (`provider:tier`): every character synthesized, none served from a cache. */
  tts: string;
  ttsCache: boolean;
  source: string;
}
