import { connectTemporal } from '../infra/temporal.js';
import { loadConfig } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { serveMetrics } from '../infra/metrics.js';
import { ensureDailyStatsSchedule } from '../infra/schedules.js';
import { installTemporalLogging } from '../infra/temporal-logging.js';
import { createWorkerSet } from './worker-set.js';
import { createRuntime } from './runtime.js';

/** Runs the `calls` worker (and `stt-whisper` when embedded) until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, process: 'calls-worker' });
  installTemporalLogging(logger);
  const temporal = await connectTemporal(config, logger);
  const runtime = await createRuntime(config, logger);
  const workers = await createWorkerSet({
    address: temporal.connection.options.address,
    namespace: temporal.namespace,
    runtime,
  });
  await ensureDailyStatsSchedule(temporal.client, { logger });
  const metrics = await serveMetrics(runtime.metrics, { port: config.metricsPort });
  logger.info(
    {
      taskQueues: workers.workers.map((worker) => worker.options.taskQueue),
      uiUrl: temporal.uiUrl,
      metricsUrl: metrics.url,
    },
    'worker started',
  );
  try {
    await workers.run();
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
