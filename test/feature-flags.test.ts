import { describe, expect, it } from 'vitest';

import { chooseSttArm, rolloutBucket } from '../domain/feature-flags.js';
import type { FeatureFlags } from '../domain/feature-flags.js';

const flags = (percent: number): FeatureFlags => ({
  sttProvider: 'whisper',
  whisperRolloutPercent: percent,
  llmRoutingEnabled: true,
});

const callIds = Array.from({ length: 20_000 }, (_, i) => `CA${(i * 7_919).toString(16)}x${i}`);

describe('Whisper rollout', () => {
  it.each([10, 50, 100])('sends about %i%% of calls to Whisper', (percent) => {
    const whisper = callIds.filter((id) => chooseSttArm(flags(percent), id) === 'whisper').length;
    const share = whisper / callIds.length;
    // Binomial standard error at n=20,000 is at most 0.35 percentage points; allow 4 of them.
    expect(Math.abs(share - percent / 100)).toBeLessThan(0.014);
  });

  it('keeps a call on its arm, and raising the percentage only moves calls to Whisper', () => {
    for (const id of callIds.slice(0, 2_000)) {
      expect(chooseSttArm(flags(50), id)).toBe(chooseSttArm(flags(50), id));
      if (chooseSttArm(flags(10), id) === 'whisper') {
        expect(chooseSttArm(flags(50), id)).toBe('whisper');
      }
    }
  });

  it('sends every call to Google when the provider flag says google', () => {
    const google: FeatureFlags = { ...flags(100), sttProvider: 'google' };
    expect(callIds.slice(0, 500).every((id) => chooseSttArm(google, id) === 'google')).toBe(true);
    expect(callIds.slice(0, 500).every((id) => chooseSttArm(flags(0), id) === 'google')).toBe(true);
  });

  it('spreads buckets evenly', () => {
    const counts = new Array<number>(100).fill(0);
    for (const id of callIds) counts[rolloutBucket(id)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(140);
    expect(Math.max(...counts)).toBeLessThan(265);
  });
});
