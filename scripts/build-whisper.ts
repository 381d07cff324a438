/**
 * Builds whisper.cpp's HTTP server into the user cache (once per version and device) and prints
 * the binary's path. Setup and CI run it so that the first call does not wait for a compile.
 *
 *   npx tsx scripts/build-whisper.ts [--device cpu|cuda]
 *
 * WHISPER_CMAKE_ARGS adds configure flags, e.g. "-DCMAKE_CUDA_ARCHITECTURES=90".
 */
import { parseArgs } from 'node:util';

import { ensureWhisperServer } from '../engines/stt/whisper-build.js';
import type { WhisperDevice } from '../engines/stt/whisper-build.js';

const { values } = parseArgs({ options: { device: { type: 'string', default: 'cpu' } } });
if (values.device !== 'cpu' && values.device !== 'cuda') {
  console.error(`--device must be cpu or cuda, got "${values.device}"`);
  process.exit(2);
}
const device: WhisperDevice = values.device;

const consoleLogger = {
  info: (obj: object, msg: string) => console.error(`${msg} ${JSON.stringify(obj)}`),
  warn: (obj: object, msg: string) => console.error(`warning: ${msg} ${JSON.stringify(obj)}`),
  error: (obj: object, msg: string) => console.error(`error: ${msg} ${JSON.stringify(obj)}`),
};

try {
  const binary = await ensureWhisperServer({
    device,
    extraCmakeArgs: process.env.WHISPER_CMAKE_ARGS?.split(/\s+/).filter(Boolean),
    logger: consoleLogger,
    onOutput: (chunk) => process.stderr.write(chunk),
  });
  console.log(binary);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
