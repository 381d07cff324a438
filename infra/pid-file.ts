import { readFileSync } from 'node:fs';

/** Whether a process runs under `pid`. EPERM says it does, as another user's. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The pid recorded in `file`, while a live process whose command line contains `command` runs
 * under it: a pid reused since by another program does not count. Undefined for no file, a
 * garbled one or a stale one. Without /proc (macOS) any live process under the pid counts.
 */
export function livePidIn(file: string, command: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(command) ? pid : undefined;
  } catch {
    return pid;
  }
}
