import path from 'node:path';

import { Redis } from 'ioredis';

import { FileBlobStore, RedisBlobStore } from './blob-store.js';
import type { BlobStore } from './blob-store.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { redactUrl } from './redact-url.js';

/** What a process opened, to be closed in reverse order when it stops. */
export type Closers = (() => Promise<unknown>)[];

/**
 * The audio store every process of a deployment shares: Redis when `REDIS_URL` is set (checked
 * with a ping, so a wrong URL stops the process at start with a message), else files under the
 * data folder, which only processes on the same machine can read.
 */
export async function openBlobStore(
  config: Config,
  logger: Logger,
  closers: Closers,
): Promise<BlobStore> {
  if (!config.redisUrl) {
    const root = path.join(config.dataDir, 'blobs');
    logger.info({ root }, 'REDIS_URL is unset: audio is kept in files (embedded mode)');
    return new FileBlobStore(root, config.audioTtlMs);
  }
  const target = redactUrl(config.redisUrl);
  const redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 2,
    lazyConnect: true,
    connectTimeout: 5_000,
  });
  // ioredis reports every failed reconnect as an 'error' event; one line per outage is enough.
  let reported = false;
  redis.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    logger.warn({ redis: target, error: error.message }, 'Redis for audio blobs is unreachable');
  });
  redis.on('ready', () => {
    reported = false;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `cannot reach Redis at REDIS_URL=${target}: ${(error as Error).message}. ` +
        'Start Redis, fix REDIS_URL, or unset it to keep audio in files.',
      { cause: error },
    );
  }
  closers.push(() => redis.quit());
  return new RedisBlobStore(redis, config.audioTtlMs);
}

/** Closes everything in reverse order of opening; one failure does not keep the rest open. */
export async function closeAll(closers: Closers): Promise<void> {
  for (const close of [...closers].reverse()) {
    try {
      await close();
    } catch {
      // Best effort: the process is stopping either way.
    }
  }
}
