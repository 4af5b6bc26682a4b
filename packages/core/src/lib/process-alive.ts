import { readFileSync } from 'node:fs';

/**
 * Whether the process `pid` still runs. A killed process whose parent died too stays a zombie
 * until something reaps it (in a container whose PID 1 never reaps, forever): `kill(pid, 0)`
 * still succeeds on it, so on Linux its state in `/proc/<pid>/stat` decides.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false; // no procfs (macOS, Windows): trust kill(pid, 0)
  }
  // "<pid> (<comm>) <state> …": comm may contain spaces and parentheses, so read after the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}
