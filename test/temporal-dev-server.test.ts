import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { Logger } from '../infra/logger.js';
import { ensureDevServer, stopDetachedDevServer } from '../infra/temporal-dev-server.js';
import { freePort } from './support/temporal.js';

const folders: string[] = [];

async function dataDir(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'dzvin-dev-server-'));
  folders.push(folder);
  return folder;
}

afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

describe('the embedded Temporal dev server', () => {
  it('is not started twice on one data folder: the second start says how to proceed', async () => {
    const folder = await dataDir();
    // Stands in for a dev server left running on other ports: alive, "start-dev" in its command.
    const running = spawn('sh', ['-c', 'sleep 60', 'start-dev'], { stdio: 'ignore' });
    try {
      await writeFile(path.join(folder, 'temporal.pid'), String(running.pid));
      const port = await freePort();

      const start = ensureDevServer({
        port,
        uiPort: await freePort(),
        dataDir: folder,
        detached: false,
      });

      await expect(start).rejects.toThrow(`(pid ${running.pid}) is running on another port`);
      await expect(start).rejects.toThrow('npm run stop');
      expect(running.exitCode).toBeNull();
      expect(stopDetachedDevServer(folder)).toBe(true);
      await new Promise((resolve) => running.once('exit', resolve));
    } finally {
      running.kill('SIGKILL');
    }
  });

  it('keeps its store in a SQLite file journaled by a write-ahead log', async () => {
    const folder = await dataDir();
    const server = await ensureDevServer({
      port: await freePort(),
      uiPort: await freePort(),
      dataDir: folder,
      detached: false,
    });
    try {
      // Bytes 18 and 19 of a SQLite file are its read and write format versions: 2 means WAL.
      const file = await open(path.join(folder, 'temporal.sqlite'));
      const header = Buffer.alloc(20);
      await file.read(header, 0, 20, 0);
      await file.close();
      expect(header.subarray(0, 15).toString()).toBe('SQLite format 3');
      expect([header[18], header[19]]).toEqual([2, 2]);
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('says which port is taken and how to choose others when another program holds one', async () => {
    const folder = await dataDir();
    const squatter = createServer();
    const uiPort = await freePort();
    await new Promise<void>((resolve) => squatter.listen(uiPort, '127.0.0.1', resolve));
    try {
      const start = ensureDevServer({
        port: await freePort(),
        uiPort,
        dataDir: folder,
        detached: false,
      });
      await expect(start).rejects.toThrow(/address already in use/);
      await expect(start).rejects.toThrow('TEMPORAL_DEV_UI_PORT');
    } finally {
      squatter.close();
    }
  }, 90_000);

  it('warns when it reuses a server another data folder started, and not for its own', async () => {
    const [mine, other] = [await dataDir(), await dataDir()];
    const ports = { port: await freePort(), uiPort: await freePort() };
    const warnings: string[] = [];
    const logger = {
      info: () => undefined,
      warn: (_fields: object, message: string) => warnings.push(message),
    } as unknown as Logger;
    const server = await ensureDevServer({ ...ports, dataDir: mine, detached: false });
    try {
      const again = await ensureDevServer({ ...ports, dataDir: mine, detached: false, logger });
      expect(again.started).toBe(false);
      expect(warnings).toEqual([]);

      const borrowed = await ensureDevServer({ ...ports, dataDir: other, detached: false, logger });
      expect(borrowed.started).toBe(false);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('did not start');
      expect(warnings[0]).toContain('TEMPORAL_DEV_PORT');
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('forgets a pid file whose process has ended, and stops nothing', async () => {
    const folder = await dataDir();
    const ended = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    await writeFile(path.join(folder, 'temporal.pid'), ended);

    expect(stopDetachedDevServer(folder)).toBe(false);
    expect(existsSync(path.join(folder, 'temporal.pid'))).toBe(false);
  });
});
