import fs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

// Taken before any guard patches node:fs, so resolving a path is never itself checked.
const { lstatSync, readlinkSync } = fs;
const realpathNative = fs.realpathSync.native;
const MAX_LINKS = 40;

/**
 * Where a path really leads: symlinks resolved, also for a path that does not exist yet
 * (its deepest existing folder resolved, the rest appended) and for a dangling symlink
 * (followed by hand, as a write through it would create its target).
 * `followLast: false` resolves only the folder, for operations on the entry itself
 * (unlink, rename, mkdir, symlink).
 */
export function realPathOf(path: string, options: { followLast?: boolean } = {}): string {
  return resolveReal(resolve(path), options.followLast !== false, 0);
}

function resolveReal(absolute: string, followLast: boolean, links: number): string {
  if (followLast) {
    try {
      return realpathNative(absolute);
    } catch {
      const target = danglingLinkTarget(absolute);
      if (target !== undefined && links < MAX_LINKS) return resolveReal(resolve(dirname(absolute), target), true, links + 1);
    }
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  return join(resolveReal(parent, true, links), basename(absolute));
}

function danglingLinkTarget(absolute: string): string | undefined {
  try {
    return lstatSync(absolute).isSymbolicLink() ? readlinkSync(absolute) : undefined;
  } catch {
    return undefined;
  }
}
