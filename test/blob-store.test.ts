import { mkdtemp, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BlobNotFoundError, FileBlobStore, RedisBlobStore } from '../infra/blob-store.js';

const audio = Buffer.from(Array.from({ length: 3200 }, (_, i) => i % 256));

describe('the file blob store of the embedded mode', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'dzvin-blobs-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('returns stored audio byte for byte and forgets it after its time-to-live', async () => {
    const store = new FileBlobStore(root, 60_000);
    await store.put('call/c1/utt-1.pcm', audio);
    expect(await store.get('call/c1/utt-1.pcm')).toEqual(audio);

    const old = new Date(Date.now() - 120_000);
    await utimes(path.join(root, 'call/c1/utt-1.pcm'), old, old);
    await expect(store.get('call/c1/utt-1.pcm')).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('refuses keys that would leave its folder', async () => {
    const store = new FileBlobStore(root, 60_000);
    for (const key of ['../etc/passwd', '/etc/passwd', 'call/../../x', 'call//x', 'a b']) {
      await expect(store.put(key, audio)).rejects.toThrow(/invalid blob key/);
    }
  });
});

describe('the Redis blob store', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('shares audio between clients and lets it expire', async () => {
    const namespace = `dzvin-test:${process.pid}:${Date.now()}:`;
    const writer = new RedisBlobStore(redis, 300, namespace);
    const reader = new RedisBlobStore(new Redis('redis://127.0.0.1:6379'), 300, namespace);
    await writer.put('call/c1/utt-1.pcm', audio);
    expect(await reader.get('call/c1/utt-1.pcm')).toEqual(audio);

    await sleep(400);
    await expect(reader.get('call/c1/utt-1.pcm')).rejects.toThrow(/no audio stored/);
    await (reader as unknown as { redis: Redis }).redis.quit();
  });
});
