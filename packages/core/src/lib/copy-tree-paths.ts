import fs from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Taken before any guard patches node:fs, so walking a tree is never itself checked.
const { lstatSync, statSync, readdirSync } = fs;
const realpathNative = fs.realpathSync.native;

/** One path a recursive copy touches beyond its top-level argument, and how. */
export interface CopiedPath {
  path: string;
  /** `read`: file content copied; `list`: a folder listed, or a link copied as a link; `write`: an existing entry written into or replaced. */
  mode: 'read' | 'list' | 'write';
}

/** `cp`'s options as the guard needs them (the third argument; a callback there means none). */
export interface CopyOptions {
  recursive: boolean;
  dereference: boolean;
  /** cp's `filter(source, destination)`: an entry it answers false for is not copied, nor anything below it. */
  filter?: (source: string, destination: string) => unknown;
}

export function copyOptionsOf(value: unknown): CopyOptions {
  const options = typeof value === 'object' && value !== null ? (value as { recursive?: unknown; dereference?: unknown; filter?: unknown }) : {};
  const filter = typeof options.filter === 'function' ? (options.filter as CopyOptions['filter']) : undefined;
  return { recursive: options.recursive === true, dereference: options.dereference === true, filter };
}

/**
 * Whether cp skips an entry: its filter answered false. The guard asks the filter itself (so a
 * filter is called once more per entry); an answer that is not a boolean (an async filter's
 * promise) cannot be known before the copy starts, so the entry counts: that can only refuse more.
 */
function skippedByFilter(options: CopyOptions, source: string, destination: string | undefined): boolean {
  if (!options.filter || destination === undefined) return false;
  try {
    return options.filter(source, destination) === false;
  } catch {
    return false; // cp calls it again and fails with the same error
  }
}

/**
 * Everything below a `cp` source that the copy reads: Node's `cp` (callback and promise
 * forms) walks the folder with fs functions it took before any guard existed, so checking
 * only the top folder would let a recursive copy read an undeclared file through a symlink
 * inside it, or files the scope excludes (Markdown, `out/`). Files are `read`, folders
 * `list`; a symlink is followed (as a read of what it points at) when `dereference` is set,
 * or when it points at a file (a copied link still names that file), and a link to a folder
 * without `dereference` is copied as a link (`list`). An entry cp's `filter` skips is not
 * read (nor what is below it): a stage may copy its upstream output without the files it
 * filters out. Nothing when the source is not a folder
 * or the copy is not recursive (cp then copies one file, or fails with EISDIR).
 */
export function copySourceTree(source: unknown, destination: unknown, options: CopyOptions): CopiedPath[] {
  const root = pathOf(source);
  const destinationRoot = pathOf(destination);
  if (root === undefined || !options.recursive || !isFolder(root, options.dereference)) return [];
  if (skippedByFilter(options, root, destinationRoot)) return [];
  const found: CopiedPath[] = [];
  const visited = new Set<string>();
  const walk = (folder: string) => {
    let real: string;
    try {
      real = realpathNative(folder);
    } catch {
      return; // gone meanwhile: the copy fails with its own error
    }
    if (visited.has(real)) return;
    visited.add(real);
    for (const name of namesIn(folder)) {
      const path = join(folder, name);
      const entry = lstatSync(path, { throwIfNoEntry: false });
      if (!entry || skippedByFilter(options, path, destinationRoot && join(destinationRoot, relative(root, path)))) continue;
      if (entry.isSymbolicLink()) {
        const target = statSync(path, { throwIfNoEntry: false });
        if (target?.isDirectory() && options.dereference) {
          found.push({ path, mode: 'list' });
          walk(path);
        } else found.push({ path, mode: target?.isDirectory() ? 'list' : 'read' });
      } else if (entry.isDirectory()) {
        found.push({ path, mode: 'list' });
        walk(path);
      } else found.push({ path, mode: 'read' });
    }
  };
  walk(root);
  return found;
}

/**
 * The entries already under a `cp` destination folder, which a recursive copy writes into
 * or replaces: a symlink among them pointing elsewhere in the workspace would take the
 * copy's writes there. Nothing when the destination does not exist yet.
 */
export function copyDestinationTree(destination: unknown, options: CopyOptions): CopiedPath[] {
  const root = pathOf(destination);
  if (root === undefined || !options.recursive || !isFolder(root, true)) return [];
  const found: CopiedPath[] = [];
  const walk = (folder: string) => {
    for (const name of namesIn(folder)) {
      const path = join(folder, name);
      found.push({ path, mode: 'write' });
      if (lstatSync(path, { throwIfNoEntry: false })?.isDirectory()) walk(path);
    }
  };
  walk(root);
  return found;
}

/** A folder's names; none when it cannot be listed (the copy then fails with its own error). */
function namesIn(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

function isFolder(path: string, follow: boolean): boolean {
  const stat = follow ? statSync(path, { throwIfNoEntry: false }) : lstatSync(path, { throwIfNoEntry: false });
  return stat?.isDirectory() === true;
}

/** A path argument of an fs call (string, file: URL or Buffer) as an absolute path; undefined for anything else (a descriptor). */
export function pathOf(path: unknown): string | undefined {
  if (typeof path === 'string') return resolve(path);
  if (path instanceof URL) return path.protocol === 'file:' ? fileURLToPath(path) : undefined;
  if (Buffer.isBuffer(path)) return resolve(path.toString('utf8'));
  return undefined;
}
