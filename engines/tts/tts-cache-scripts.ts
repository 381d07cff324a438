import type { Redis } from 'ioredis';

import type { TtsCacheKeys } from './tts-cache-key.js';

/**
 * One round trip per lookup: the audio if stored; else, for a reply that must first repeat,
 * INCR of its counter (with PEXPIRE when new) and a stop below the threshold; else an attempt
 * at the synthesis lock (SET NX PX). Replies: {1, audio} hit, {0, seen} not yet repeated,
 * {2} lock taken (this request synthesizes), {3} another request holds the lock.
 */
const LOOKUP = `
local audio = redis.call('GET', KEYS[1])
if audio then return {1, audio} end
if ARGV[4] == '1' then
  local seen = redis.call('INCR', KEYS[3])
  if seen == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
  if seen < tonumber(ARGV[5]) then return {0, seen} end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
return {3}
`;

/** Stores the entry with its TTL and releases the lock if this request still holds it. */
const STORE = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
`;

/** Releases the lock only if this request still holds it (it may have expired and moved on). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export type LookupAnswer =
  | { kind: 'hit'; value: Buffer }
  | { kind: 'not-repeated-yet'; seen: number }
  | { kind: 'locked' }
  | { kind: 'busy' };

interface ScriptCommands {
  dzvinTtsLookupBuffer(...args: (string | number)[]): Promise<[number, (Buffer | number)?]>;
  dzvinTtsStore(...args: (string | number | Buffer)[]): Promise<number>;
  dzvinTtsRelease(...args: string[]): Promise<number>;
}

/** The cache's Redis scripts on one client, loaded once and then run by their SHA. */
export class TtsCacheScripts {
  private readonly commands: ScriptCommands;

  constructor(private readonly redis: Redis) {
    // ioredis keeps custom commands per client; defining twice would only repeat the work.
    if (!('dzvinTtsLookup' in redis)) {
      redis.defineCommand('dzvinTtsLookup', { lua: LOOKUP, numberOfKeys: 3 });
      redis.defineCommand('dzvinTtsStore', { lua: STORE, numberOfKeys: 2 });
      redis.defineCommand('dzvinTtsRelease', { lua: RELEASE, numberOfKeys: 1 });
    }
    this.commands = redis as unknown as ScriptCommands;
  }

  async lookup(
    keys: TtsCacheKeys,
    options: { token: string; lockTtlMs: number; seenTtlMs: number; repeatThreshold?: number },
  ): Promise<LookupAnswer> {
    // Most lookups are hits: a plain GET spares them the copy of the audio through Lua.
    const stored = await this.redis.getBuffer(keys.audio);
    if (stored) return { kind: 'hit', value: stored };
    const [kind, payload] = await this.commands.dzvinTtsLookupBuffer(
      keys.audio,
      keys.lock,
      keys.seen,
      options.token,
      options.lockTtlMs,
      options.seenTtlMs,
      options.repeatThreshold === undefined ? '0' : '1',
      options.repeatThreshold ?? 0,
    );
    if (kind === 1 && Buffer.isBuffer(payload)) return { kind: 'hit', value: payload };
    if (kind === 0) return { kind: 'not-repeated-yet', seen: Number(payload) };
    return kind === 2 ? { kind: 'locked' } : { kind: 'busy' };
  }

  async store(keys: TtsCacheKeys, value: Buffer, ttlMs: number, token: string): Promise<void> {
    await this.commands.dzvinTtsStore(keys.audio, keys.lock, value, ttlMs, token);
  }

  async release(keys: TtsCacheKeys, token: string): Promise<void> {
    await this.commands.dzvinTtsRelease(keys.lock, token);
  }
}
