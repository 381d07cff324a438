import { connectTemporal } from '../infra/temporal.js';
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { installTemporalLogging } from '../infra/temporal-logging.js';
import { createCallsWorker } from './calls-worker.js';
import { createRuntime } from './runtime.js';

/** Runs a `calls` worker until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, component: 'calls-worker' });
  installTemporalLogging(logger);
  const temporal = await connectTemporal(config, logger);
  const runtime = await createRuntime(config, logger);
  const worker = await createCallsWorker({
    address: temporal.connection.options.address,
    namespace: temporal.namespace,
    activities: runtime.activities,
  });
  logger.info({ taskQueue: worker.options.taskQueue, uiUrl: temporal.uiUrl }, 'worker started');
  try {
    await worker.run();
  } finally {
    await runtime.close();
    await temporal.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
