import { spawnSync } from 'node:child_process';

import { loadConfig } from '../infra/config.js';
import { runSetup } from '../infra/setup.js';

/**
 * Runs once before the suite: installs what the tests need beyond npm packages (Temporal CLI,
 * whisper.cpp server, Whisper model; each skipped when present) and checks that the local
 * Postgres and Redis the tests use are up, with a message that says how to start them.
 */
export default async function setup(): Promise<void> {
  await runSetup(loadConfig({ LOG_LEVEL: 'warn' }), (line) => console.error(`setup: ${line}`));

  const problems: string[] = [];
  if (spawnSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432']).status !== 0) {
    problems.push('PostgreSQL is not accepting connections on 127.0.0.1:5432');
  }
  if (
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping']).stdout?.toString().trim() !==
    'PONG'
  ) {
    problems.push('Redis is not answering on 127.0.0.1:6379');
  }
  if (problems.length > 0) {
    throw new Error(
      `${problems.join('; ')}. Start them (e.g. \`service postgresql start; service redis-server start\`, ` +
        'or run `.ci/run`, which does it).',
    );
  }
}
