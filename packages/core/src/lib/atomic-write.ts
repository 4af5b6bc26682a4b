import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StageIOError } from './errors';
import { isProcessAlive } from './process-alive';

type TempTag = 'tmp' | 'building' | 'previous';

function siblingTempPath(target: string, tag: TempTag): string {
  return join(dirname(target), `.${basename(target)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Removes temp siblings of `target` left by a process that was killed mid-write (its pid is
 * gone). They are gitignored, so Nx never hashes them, but they would pile up.
 */
export async function removeStaleTempSiblings(target: string): Promise<string[]> {
  const prefix = `.${basename(target)}.`;
  const pattern = /^(?:tmp|building|previous)-(\d+)-[0-9a-f]+$/;
  const removed: string[] = [];
  const entries = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = pattern.exec(entry.slice(prefix.length))?.[1];
    if (pid === undefined || isProcessAlive(Number(pid))) continue;
    await rm(join(dirname(target), entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

export interface WriteFileAtomicOptions {
  /**
   * fsync the file before the rename and its folder after it, so the new content survives a
   * power loss once the call returns (for commit records such as a registry checkpoint).
   */
  durable?: boolean;
}

/** Writes through a temp file in the same folder and renames it into place: readers see old or new, never half. */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: WriteFileAtomicOptions = {}): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temp = siblingTempPath(target, 'tmp');
  try {
    if (options.durable) {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } else {
      await writeFile(temp, data);
    }
    await rename(temp, target);
    if (options.durable) syncDirectory(dirname(target));
  } catch (error) {
    await rm(temp, { force: true });
    throw describeWriteFailure(error, target);
  }
}

/**
 * Builds a whole folder in a temp sibling, then swaps it into place. If `build` throws
 * (or the process dies) the previous folder stays as it was and no partial folder is left
 * at `target` for a later stage or the cache to pick up.
 */
export async function writeDirectoryAtomic<T>(target: string, build: (tempDir: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(target), { recursive: true }).catch((error) => {
    throw describeWriteFailure(error, target);
  });
  await removeStaleTempSiblings(target);
  const temp = siblingTempPath(target, 'building');
  await mkdir(temp).catch((error) => {
    throw describeWriteFailure(error, target);
  });
  let result: T;
  try {
    result = await build(temp);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  const previous = siblingTempPath(target, 'previous');
  try {
    await rename(target, previous).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw describeWriteFailure(error, target);
  }
  await rm(previous, { recursive: true, force: true });
  return result;
}

/**
 * Builds a folder in a temp sibling and renames it to `target` only if nothing is there:
 * write-once, for folders that must never be replaced (a registry version). Refuses (and
 * removes the temp folder) when `target` exists in any form, a symlink included.
 */
export async function writeDirectoryOnce<T>(target: string, build: (tempDir: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(target), { recursive: true }).catch((error) => {
    throw describeWriteFailure(error, target);
  });
  await removeStaleTempSiblings(target);
  if (await pathExists(target)) throw new DirectoryExistsError(target);
  const temp = siblingTempPath(target, 'building');
  await mkdir(temp).catch((error) => {
    throw describeWriteFailure(error, target);
  });
  try {
    const result = await build(temp);
    // Checked again right before the rename: rename(2) would replace an empty folder.
    if (await pathExists(target)) throw new DirectoryExistsError(target);
    await rename(temp, target).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOTEMPTY' || error.code === 'EEXIST' || error.code === 'ENOTDIR'
        ? new DirectoryExistsError(target)
        : describeWriteFailure(error, target);
    });
    syncDirectory(dirname(target));
    return result;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** `writeDirectoryOnce` found something at its target: nothing was replaced. */
export class DirectoryExistsError extends StageIOError {
  constructor(readonly target: string) {
    super(`${target} already exists and is never replaced`, {
      file: target,
      hint: 'This folder is write-once; nothing was changed. Find out who created it before removing anything.',
    });
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** fsync a folder, so a rename or a new file in it survives a power loss (best effort where folders cannot be opened). */
export function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a folder; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Turns a file-system error from writing `target` into a StageIOError that says what to do
 * (permission, read-only file system, disk full); other errors pass through unchanged.
 */
export function describeWriteFailure(error: unknown, target: string): Error {
  const code = (error as NodeJS.ErrnoException)?.code;
  // Name the file where it will live, not the temp folder it was being built in.
  const path = ((error as NodeJS.ErrnoException)?.path ?? target).replace(/([\\/])\.([^\\/]+)\.(?:building|tmp|previous)-\d+-[0-9a-f]+/, '$1$2');
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const what = code === 'EROFS' ? 'the file system is read-only' : 'permission denied';
    return new StageIOError(`Cannot write ${path}: ${what}`, {
      file: path,
      hint: 'Make the output folder writable (owner, mode, or a read-only mount), then rerun; nothing partial was kept.',
      cause: error,
    });
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new StageIOError(`No space left on the device while writing ${path}`, {
      file: path,
      hint: 'Free disk space (old Nx caches: `nx reset`), then rerun; nothing partial was kept.',
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
