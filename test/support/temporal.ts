import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';

import { ensureDevServer } from '../../infra/temporal-dev-server.js';
import type { DevServer } from '../../infra/temporal-dev-server.js';

export interface TestTemporal {
  address: string;
  namespace: string;
  uiUrl: string;
  client: Client;
  connection: Connection;
  stop(): Promise<void>;
}

/**
 * Starts a private Temporal dev server (the real CLI, SQLite in a temp folder) on free ports,
 * with dzvin's search attributes registered.
 */
export async function startTestTemporal(
  options: { storage?: 'file' | 'memory' } = {},
): Promise<TestTemporal> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dzvin-temporal-'));
  const [port, uiPort] = [await freePort(), await freePort()];
  let server: DevServer | undefined;
  try {
    server = await ensureDevServer({
      cliPath: process.env.TEMPORAL_CLI_PATH,
      port,
      uiPort,
      dataDir,
      detached: false,
      storage: options.storage,
    });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: 'default' });
    const started = server;
    return {
      address: server.address,
      namespace: 'default',
      uiUrl: server.uiUrl,
      client,
      connection,
      stop: async () => {
        await connection.close();
        await started.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (typeof address === 'object' && address) resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}
