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
