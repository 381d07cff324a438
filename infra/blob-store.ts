import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Redis } from 'ioredis';

/** Thrown when a blob key is unknown or has expired. */
export class BlobNotFoundError extends Error {
  readonly key: string;

  constructor(key: string) {
    super(`no audio stored under "${key}" (unknown key, or its time-to-live ran out)`);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}

/** Where audio lives while a call needs it. Keys are opaque strings chosen by the caller. */
export interface BlobStore {
  readonly kind: 'file' | 'redis';
  put(key: string, data: Buffer): Promise<void>;
  /** Throws {@link BlobNotFoundError} for an unknown or expired key. */
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

const SAFE_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Rejects keys that could escape the store's namespace (`..`, absolute paths, odd bytes). */
export function assertBlobKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new TypeError(`invalid blob key "${key.slice(0, 80)}"`);
  }
}

/**
 * Files under one folder, for the embedded mode. Entries older than the time-to-live are
 * treated as missing and removed when read.
 */
export class FileBlobStore implements BlobStore {
  readonly kind = 'file';

  constructor(
    private readonly root: string,
    private readonly ttlMs: number,
  ) {}

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, data);
  }

  async get(key: string): Promise<Buffer> {
    const file = this.pathOf(key);
    try {
      const info = await stat(file);
      if (Date.now() - info.mtimeMs > this.ttlMs) {
        await rm(file, { force: true });
        throw new BlobNotFoundError(key);
      }
      return await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    assertBlobKey(key);
    return path.join(this.root, key);
  }
}

/** Redis strings with a time-to-live, shared by every worker and the bridge. */
export class RedisBlobStore implements BlobStore {
  readonly kind = 'redis';

  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
    private readonly namespace = 'dzvin:blob:',
  ) {}

  async put(key: string, data: Buffer): Promise<void> {
    assertBlobKey(key);
    await this.redis.set(this.namespace + key, data, 'PX', this.ttlMs);
  }

  async get(key: string): Promise<Buffer> {
    assertBlobKey(key);
    const data = await this.redis.getBuffer(this.namespace + key);
    if (data === null) throw new BlobNotFoundError(key);
    return data;
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.redis.del(this.namespace + key);
  }
}
