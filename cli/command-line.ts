import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** Exit status for a command line the program cannot run with. */
export const USAGE_ERROR = 2;

/**
 * `parseArgs` for the project's commands: an unknown or malformed option is reported in one line
 * with the command's usage, and the process exits with {@link USAGE_ERROR} instead of a stack.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: string) {
  try {
    return parseArgs(config);
  } catch (error) {
    if (!(error instanceof TypeError) || !('code' in error)) throw error;
    console.error(`${error.message}\n\n${usage}`);
    process.exit(USAGE_ERROR);
  }
}
