import { connectTemporal } from '../infra/temporal.js';
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { serveMetrics } from '../infra/metrics.js';
import { ensureDailyStatsSchedule } from '../infra/schedules.js';
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
  await ensureDailyStatsSchedule(temporal.client, { logger });
  const metrics = await serveMetrics(runtime.metrics, { port: config.metricsPort });
  logger.info(
    { taskQueue: worker.options.taskQueue, uiUrl: temporal.uiUrl, metricsUrl: metrics.url },
    'worker started',
  );
  try {
    await worker.run();
  } finally {
    await metrics.close();
    await runtime.close();
    await temporal.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
