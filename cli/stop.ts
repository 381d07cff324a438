import { loadConfig } from '../infra/config.js';
import { stopDetachedDevServer } from '../infra/temporal-dev-server.js';

/** Stops the embedded Temporal dev server that `npm run demo` left running. */
const config = loadConfig();
if (stopDetachedDevServer(config.dataDir)) {
  console.log('Stopped the embedded Temporal dev server.');
} else {
  console.log(`No embedded Temporal dev server is recorded in ${config.dataDir}.`);
}
