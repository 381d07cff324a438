import { accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The logging surface the Whisper engine needs: pino's `(object, message)` call shape, so a
 * pino logger (or a child of one) fits without an adapter.
 */
export interface EngineLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A logger that drops everything, for callers that pass none. */
export const silentLogger: EngineLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * dzvin's folder in the user cache (`$XDG_CACHE_HOME/dzvin`, else `~/.cache/dzvin`). Built
 * binaries and downloaded models live here, outside the repository, so a fresh clone or a
 * `git clean` does not throw away ten minutes of compiling or a gigabyte of weights.
 */
export function dzvinCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache');
  return path.join(base, 'dzvin');
}

/** The first executable named `name` on PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; keep looking along PATH.
    }
  }
  return undefined;
}
