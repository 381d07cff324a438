import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

import { WORKFLOWS_PATH } from '../workers/calls-worker.js';
import { HISTORY_FIXTURES } from './support/history-fixtures.js';

const FIXTURES = HISTORY_FIXTURES;

/**
 * Histories of real calls (a demo call on the embedded engines, a call with rejected and failed
 * turns) replayed against today's workflow code: a change that is not replay-safe fails here.
 * Refresh them with `DZVIN_RECORD_HISTORIES=1 npx vitest run test/call-workflow.test.ts` and
 * `npm run demo -- --history <file> ...` only when a change is meant to be versioned.
 */
describe('recorded call histories', () => {
  it('replay on the current workflow code without nondeterminism', async () => {
    const files = (await readdir(FIXTURES)).filter((file) => file.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThanOrEqual(6);

    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: silent });
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: path.basename(file, '.json'),
        history: historyFromJSON(JSON.parse(await readFile(path.join(FIXTURES, file), 'utf8'))),
      })),
    );

    const results: { workflowId: string; error?: unknown }[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
      results.push(result);
    }
    expect(results.map((r) => [r.workflowId, r.error ? (r.error as Error).message : 'ok'])).toEqual(
      files.map((file) => [path.basename(file, '.json'), 'ok']),
    );

    // Both ways a reply has been written stay covered: as a scheduled activity (calls started
    // before local turn stages) and as a local activity.
    const replyWriters = histories.map(({ history }) => {
      const events = history.events ?? [];
      const scheduled = events.some(
        (event) =>
          event.activityTaskScheduledEventAttributes?.activityType?.name === 'generateReply',
      );
      const local = events.some((event) => {
        const marker = event.markerRecordedEventAttributes;
        if (marker?.markerName !== 'core_local_activity') return false;
        const data = marker.details?.data?.payloads?.[0]?.data;
        const { activity_type } = JSON.parse(Buffer.from(data ?? []).toString()) as {
          activity_type?: string;
        };
        return activity_type === 'generateReply';
      });
      return scheduled ? 'scheduled' : local ? 'local' : 'none';
    });
    expect(new Set(replyWriters)).toEqual(new Set(['scheduled', 'local']));
  });
});

const silent = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  log: () => undefined,
};
