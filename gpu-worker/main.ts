import { ConfigError, loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { installTemporalLogging } from '../infra/temporal-logging.js';
import { startGpuWorker } from './gpu-worker.js';
import { StartupError } from './preflight.js';

/**
 * The GPU worker: keeps `WHISPER_INSTANCES` copies of the Whisper model loaded and serves the
 * `stt-whisper` task queue until SIGINT or SIGTERM. Exit code 2 means this machine cannot serve
 * as configured (no GPU, no model, bad configuration); 1 is any other failure.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, process: 'gpu-worker' });
  installTemporalLogging(logger);
  const gpuWorker = await startGpuWorker(config, logger);
  await gpuWorker.run();
  logger.info({}, 'gpu-worker stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const refused = error instanceof StartupError || error instanceof ConfigError;
    console.error(
      `dzvin gpu-worker: ${refused ? 'cannot start: ' : ''}` +
        (error instanceof Error ? error.message : String(error)),
    );
    process.exit(refused ? 2 : 1);
  },
);
