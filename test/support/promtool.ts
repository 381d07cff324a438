import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { REPO_ROOT } from '../../infra/config.js';

const run = promisify(execFile);

/** The folder of the Prometheus rules and configuration, where promtool runs. */
export const PROMETHEUS_DIR = path.join(REPO_ROOT, 'ops', 'prometheus');

/** Runs promtool, failing (never skipping) with the way to install it when it is missing. */
export async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, {
      cwd: PROMETHEUS_DIR,
      timeout: 90_000,
    });
    return stdout + stderr;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('promtool is not installed: `apt-get install -y prometheus` provides it');
    }
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout}${stderr}`);
  }
}
