import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../infra/config.js';

function run(script: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe("the project's commands", () => {
  it.each([
    ['cli/demo.ts', 'Usage: npm run demo'],
    ['cli/flags.ts', 'Usage: npm run flags'],
    ['cli/stt-ab-report.ts', 'Usage: npm run stt:ab'],
  ])('%s answers an unknown option with one line and its usage, exit code 2', (script, usage) => {
    const result = run(script, '--no-such-option');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--no-such-option'");
    expect(result.stderr).toContain(usage);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
