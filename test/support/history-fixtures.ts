import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';

import { REPO_ROOT } from '../../infra/config.js';

export const HISTORY_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'histories');

/**
 * Saves a call's history as a replay fixture when DZVIN_RECORD_HISTORIES=1. Fixtures are kept
 * per workflow version: record under a new name rather than overwrite one recorded before a
 * `patched()` change, so old calls stay covered.
 */
export async function keepHistoryFixture(
  name: string,
  history: temporal.api.history.v1.IHistory,
): Promise<void> {
  if (!process.env.DZVIN_RECORD_HISTORIES) return;
  await mkdir(HISTORY_FIXTURES, { recursive: true });
  await writeFile(path.join(HISTORY_FIXTURES, `${name}.json`), historyToJSON(history));
}
