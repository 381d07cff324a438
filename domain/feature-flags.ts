/** Switches an operator can change at run time; each call reads them once, at its start. */
export interface FeatureFlags {
  /** `google` sends every call to Google; `whisper` sends the rollout share to Whisper. */
  sttProvider: 'google' | 'whisper';
  /** Share of calls, 0-100, whose speech goes to Whisper when `sttProvider` is `whisper`. */
  whisperRolloutPercent: number;
  /** When false every call uses the complex model; when true the first phrase picks it. */
  llmRoutingEnabled: boolean;
}

export type SttArm = 'whisper' | 'google';

/**
 * A stable bucket 0-99 for a call id (32-bit FNV-1a). The same call always lands in the same
 * bucket, so a retried start or a replay keeps its arm, and raising the rollout percentage only
 * moves calls from Google to Whisper, never back.
 */
export function rolloutBucket(callId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < callId.length; i++) {
    hash ^= callId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100;
}

/** The STT arm of a call under the given flags. */
export function chooseSttArm(flags: FeatureFlags, callId: string): SttArm {
  if (flags.sttProvider === 'google') return 'google';
  return rolloutBucket(callId) < flags.whisperRolloutPercent ? 'whisper' : 'google';
}
