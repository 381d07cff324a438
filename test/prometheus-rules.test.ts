import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../infra/config.js';

const run = promisify(execFile);
const RULES_DIR = path.join(REPO_ROOT, 'ops', 'prometheus');

/** Runs promtool, failing (never skipping) with the way to install it when it is missing. */
async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: RULES_DIR, timeout: 90_000 });
    return stdout + stderr;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('promtool is not installed: `apt-get install -y prometheus` provides it');
    }
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout}${stderr}`);
  }
}

describe('the cost alert rules', () => {
  it('are valid Prometheus rules', async () => {
    expect(await promtool('check', 'rules', 'alerts.yml')).toContain('SUCCESS: 6 rules found');
  });

  it('page on a tripled spend rate, stay quiet on a normal week and a quiet night, and open a ticket when calls cost twice as much', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  }, 120_000);
});
