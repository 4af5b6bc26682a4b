import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { isProcessAlive, ReproError } from '@reproml/core';

export interface RegistryLockParams {
  path: string;
  /** How long to wait for another writer. Default: 30 s. */
  timeoutMs?: number;
}

/**
 * One writer at a time: an exclusive lock file holding the owner's pid. A lock left by a
 * process that died (crash, kill -9) is taken over, so a crash never blocks the registry.
 */
export async function withRegistryLock<T>(params: RegistryLockParams, body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + (params.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const fd = openSync(params.path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (ownerIsGone(params.path)) {
        rmSync(params.path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ReproError(`The model registry is locked by another process (${params.path})`, {
          file: params.path,
          hint: 'Wait for the other push or promotion to finish; if no ReproML process is running, delete the lock file.',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await body();
  } finally {
    rmSync(params.path, { force: true });
  }
}

function ownerIsGone(path: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8'));
  } catch {
    return false; // being written right now
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  return !isProcessAlive(pid);
}
