// Prepares a fresh machine for the embedded defaults; `npm run setup`, also run by CI.
import { loadConfig } from '../infra/config.js';
import { runSetup } from '../infra/setup.js';

try {
  await runSetup(loadConfig());
  console.error('setup done');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
