import { startBridge } from '../../bridge/bridge-server.js';
import type { RunningBridge } from '../../bridge/bridge-server.js';
import type { BridgeSettings } from '../../bridge/bridge-settings.js';
import { synthesizePrompts } from '../../bridge/prompts.js';
import type { BridgePrompts } from '../../bridge/prompts.js';
import { createLogger } from '../../infra/logger.js';
import type { Logger } from '../../infra/logger.js';
import { createMetricsRegistry } from '../../infra/metrics.js';
import type { RuntimeOverrides } from '../../workers/runtime.js';
import { ToneTts } from '../fakes/tone-tts.js';
import { startCallHarness } from './call-harness.js';
import type { CallHarness } from './call-harness.js';
import { ScriptedStt } from './scripted-stt.js';

/** Turn-taking as in production, with timers long enough not to fire in a short test. */
export const TEST_BRIDGE_SETTINGS: BridgeSettings = {
  vadMode: 2,
  endOfUtteranceMs: 700,
  minSpeechMs: 160,
  maxUtteranceMs: 20_000,
  silenceTimeoutMs: 120_000,
  maxCallMs: 600_000,
  reconnectGraceMs: 1000,
  defaultLanguage: 'uk',
};

export interface BridgeHarness {
  calls: CallHarness;
  stt: ScriptedStt;
  /** A bridge on a free port, sharing the harness's Temporal server and blob store. */
  openBridge(settings?: Partial<BridgeSettings>, logger?: Logger): Promise<RunningBridge>;
  close(): Promise<void>;
}

/**
 * A `calls` worker with quick engines (scripted STT, the fallback dialog, tone TTS) on a real
 * Temporal dev server and Postgres, and bridges in this process that talk to it.
 */
export async function startBridgeHarness(
  overrides: RuntimeOverrides = {},
  tts = new ToneTts(),
): Promise<BridgeHarness> {
  const stt = new ScriptedStt();
  const calls = await startCallHarness({
    overrides: { stt, tts, ...overrides },
    // The scripted STT serves the `calls` queue; with no Whisper worker, a Whisper-arm turn would
    // first wait out that queue's schedule-to-start timeout before falling back.
    env: { FF_STT_PROVIDER: 'google' },
  });
  const prompts: BridgePrompts = await synthesizePrompts(tts);
  const bridges: RunningBridge[] = [];
  return {
    calls,
    stt,
    openBridge: async (settings = {}, logger) => {
      const bridge = await startBridge({
        client: calls.temporal.client,
        blobs: calls.runtime.blobs,
        logger: logger ?? createLogger({ level: 'warn', pii: false, process: 'bridge' }),
        prompts,
        settings: { ...TEST_BRIDGE_SETTINGS, ...settings },
        callerHashSecret: 'dzvin-dev-secret',
        registry: createMetricsRegistry({ defaultMetrics: false }),
        port: 0,
        host: '127.0.0.1',
      });
      bridges.push(bridge);
      return bridge;
    },
    close: async () => {
      for (const bridge of bridges) await bridge.close();
      await calls.close();
    },
  };
}
