import { openGoogleConnection } from '../engines/google/google-connection.js';
import { EspeakTts } from '../engines/tts/espeak.js';
import { GoogleTts } from '../engines/tts/google-tts.js';
import type { TextToSpeech } from '../engines/types.js';
import { loadConfig } from '../infra/config.js';
import type { Config } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import type { Logger } from '../infra/logger.js';
import { createMetricsRegistry } from '../infra/metrics.js';
import { closeAll, openBlobStore } from '../infra/open-blob-store.js';
import type { Closers } from '../infra/open-blob-store.js';
import { connectTemporal } from '../infra/temporal.js';
import { startBridge } from './bridge-server.js';
import { synthesizePrompts } from './prompts.js';

/** Runs the telephony bridge until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, process: 'bridge' });
  const closers: Closers = [];
  const temporal = await connectTemporal(config, logger);
  closers.push(() => temporal.close());

  const blobs = await openBlobStore(config, logger, closers);
  const tts = await openPromptTts(config, logger, closers);
  const prompts = await synthesizePrompts(tts);

  const bridge = await startBridge({
    client: temporal.client,
    blobs,
    logger,
    prompts,
    settings: config.bridge.settings,
    callerHashSecret: config.callerHashSecret,
    registry: createMetricsRegistry(),
    port: config.bridge.port,
    host: config.bridge.host,
  });
  logger.info(
    {
      url: bridge.url,
      twilio: `${bridge.url.replace('http', 'ws')}/streams/twilio`,
      softphone: `${bridge.url}/softphone`,
    },
    'bridge listening',
  );

  const stop = async () => {
    await bridge.close();
    await closeAll(closers);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** The configured TTS engine, used once at start to speak the bridge's own prompts. */
async function openPromptTts(
  config: Config,
  logger: Logger,
  closers: Closers,
): Promise<TextToSpeech> {
  if (config.providers.tts === 'google') {
    const connection = await openGoogleConnection(config.google);
    const google = new GoogleTts({
      connection,
      voices: config.google.ttsVoices,
      format: config.google.ttsFormat,
    });
    closers.push(() => google.close());
    return google;
  }
  const espeak = new EspeakTts({ logger: logger.child({ component: 'espeak' }) });
  closers.push(() => espeak.close());
  return espeak;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
