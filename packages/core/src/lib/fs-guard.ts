import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { copyDestinationTree, copyOptionsOf, copySourceTree, pathOf } from './copy-tree-paths';

/**
 * What an fs call does to one of its path arguments. `read`: file content (open for reading,
 * copy source, hard-link source); `list`: folder names (readdir, opendir, watch, readlink);
 * `write`: anything that changes the file tree (content, entries, metadata).
 * `follow: false` for calls that act on the entry itself, not on what a symlink points at.
 */
export interface FsAccess {
  mode: 'read' | 'list' | 'write';
  follow: boolean;
  /** mkdir: a folder that already exists is not changed. */
  noOpIfExists?: boolean;
}

/** Returns an error to refuse the call, or undefined to let it through. */
export type FsAccessCheck = (path: unknown, access: FsAccess) => Error | undefined;

// biome-ignore lint/suspicious/noExplicitAny: wraps node:fs functions of every signature
type AnyFunction = (...args: any[]) => any;
/** How a refused call reports: a callback (or a throw for *Sync), a rejected promise, or a throw (streams, watchers). */
type Style = 'callback' | 'promise' | 'throw';
/**
 * `open-flags`: read and/or write as the open's flags say. `copy-source` / `copy-destination`:
 * a `cp` argument, checked itself and, for a recursive copy of a folder, entry by entry
 * (copy-tree-paths.ts: Node's cp walks the tree with fs functions no guard can replace).
 * `link-target`: a symlink's target (relative to the link's folder), a read: the link makes
 * that file's content part of what the stage writes (its outputs are hashed and cached through it).
 */
type ArgumentAccess = readonly [index: number, access: FsAccess | 'open-flags' | 'copy-source' | 'copy-destination' | 'link-target'];

const READ: FsAccess = { mode: 'read', follow: true };
const LIST: FsAccess = { mode: 'list', follow: true };
const LIST_ENTRY: FsAccess = { mode: 'list', follow: false };
const WRITE: FsAccess = { mode: 'write', follow: true };
const WRITE_ENTRY: FsAccess = { mode: 'write', follow: false };
const MAKE_FOLDER: FsAccess = { mode: 'write', follow: false, noOpIfExists: true };

/**
 * Every path-taking function of `node:fs` and `node:fs/promises` that reads content, lists a
 * folder or writes, with what it does to which argument. Calls on file descriptors and
 * FileHandles are not listed: their path was checked when it was opened. Metadata reads
 * (stat, lstat, access, exists, realpath) are not reads here: module resolution and most
 * libraries call them constantly, and they do not give a file's content.
 */
const FS_CALLS: Record<string, readonly ArgumentAccess[]> = {
  open: [[0, 'open-flags']],
  readFile: [[0, READ]],
  createReadStream: [[0, READ]],
  openAsBlob: [[0, READ]],
  copyFile: [
    [0, READ],
    [1, WRITE],
  ],
  cp: [
    [0, 'copy-source'],
    [1, 'copy-destination'],
  ],
  link: [
    [0, READ],
    [1, WRITE_ENTRY],
  ],
  readdir: [[0, LIST]],
  opendir: [[0, LIST]],
  readlink: [[0, LIST_ENTRY]],
  watch: [[0, LIST]],
  watchFile: [[0, LIST]],
  writeFile: [[0, WRITE]],
  appendFile: [[0, WRITE]],
  createWriteStream: [[0, WRITE]],
  truncate: [[0, WRITE]],
  chmod: [[0, WRITE]],
  chown: [[0, WRITE]],
  utimes: [[0, WRITE]],
  lchown: [[0, WRITE_ENTRY]],
  lutimes: [[0, WRITE_ENTRY]],
  lchmod: [[0, WRITE_ENTRY]],
  mkdir: [[0, MAKE_FOLDER]],
  mkdtemp: [[0, WRITE_ENTRY]],
  rm: [[0, WRITE_ENTRY]],
  rmdir: [[0, WRITE_ENTRY]],
  unlink: [[0, WRITE_ENTRY]],
  rename: [
    [0, WRITE_ENTRY],
    [1, WRITE_ENTRY],
  ],
  symlink: [
    [0, 'link-target'],
    [1, WRITE_ENTRY],
  ],
};
/** Path-taking functions left through on purpose: metadata reads, and calls on descriptors (checked at open). */
export const UNGUARDED_FS_CALLS: Record<string, string> = {
  access: 'metadata',
  exists: 'metadata',
  stat: 'metadata',
  lstat: 'metadata',
  statfs: 'metadata',
  realpath: 'metadata (module resolution calls it for every import)',
  unwatchFile: 'stops a watcher',
  ...Object.fromEntries(
    ['close', 'fchown', 'fchmod', 'fdatasync', 'fstat', 'fsync', 'ftruncate', 'futimes', 'read', 'readv', 'write', 'writev'].map((name) => [
      name,
      'takes a file descriptor, checked when it was opened',
    ]),
  ),
};

/** Names of the guarded functions (without their Sync forms). */
export const GUARDED_FS_CALLS: readonly string[] = Object.keys(FS_CALLS);

const THROWING = new Set(['createReadStream', 'createWriteStream', 'watch', 'watchFile']);
const PROMISE_ONLY = new Set(['openAsBlob']);

interface Patch {
  target: Record<string, unknown>;
  name: string;
  original: AnyFunction;
}

/**
 * Runs `body` with every function of FS_CALLS (callback, sync and promise forms) checked by
 * `check` before it touches the file system; ES modules that imported them by name see the
 * checked ones too. After `body`, the originals are back, and copies a module took while
 * `body` ran (a lazily loaded module destructuring `fs`) stop checking.
 */
export async function withFsGuard<T>(check: FsAccessCheck, body: () => Promise<T>): Promise<T> {
  const state = { active: true };
  const fsModule = fs as unknown as Record<string, unknown>;
  const promises = fs.promises as unknown as Record<string, unknown>;
  const patches: Patch[] = [];
  for (const [name, accesses] of Object.entries(FS_CALLS)) {
    const style: Style = PROMISE_ONLY.has(name) ? 'promise' : THROWING.has(name) ? 'throw' : 'callback';
    patches.push(...guardFunction(fsModule, name, accesses, style, check, state));
    if (!THROWING.has(name) && !PROMISE_ONLY.has(name)) patches.push(...guardFunction(fsModule, `${name}Sync`, accesses, 'throw', check, state));
    patches.push(...guardFunction(promises, name, accesses, name === 'watch' ? 'throw' : 'promise', check, state));
  }
  syncBuiltinESMExports();
  try {
    return await body();
  } finally {
    state.active = false;
    for (const { target, name, original } of patches.reverse()) target[name] = original;
    syncBuiltinESMExports();
  }
}

function guardFunction(
  target: Record<string, unknown>,
  name: string,
  accesses: readonly ArgumentAccess[],
  style: Style,
  check: FsAccessCheck,
  state: { active: boolean },
): Patch[] {
  const original = target[name];
  if (typeof original !== 'function') return []; // not in this Node version
  const guarded = function guarded(this: unknown, ...args: unknown[]) {
    const error = state.active ? firstRefusal(args, accesses, check) : undefined;
    if (!error) return (original as AnyFunction).apply(this, args);
    if (style === 'promise') return Promise.reject(error);
    const callback = args[args.length - 1];
    if (style === 'callback' && typeof callback === 'function') {
      process.nextTick(() => (callback as AnyFunction)(error));
      return undefined;
    }
    throw error;
  };
  const custom = (original as { [promisify.custom]?: unknown })[promisify.custom];
  if (custom !== undefined) Object.defineProperty(guarded, promisify.custom, { value: custom });
  target[name] = guarded;
  return [{ target, name, original: original as AnyFunction }];
}

function firstRefusal(args: unknown[], accesses: readonly ArgumentAccess[], check: FsAccessCheck): Error | undefined {
  for (const [index, access] of accesses) {
    const path = args[index];
    const error = checkArgument(path, access, args, check);
    if (error) return error;
  }
  return undefined;
}

function checkArgument(path: unknown, access: ArgumentAccess[1], args: unknown[], check: FsAccessCheck): Error | undefined {
  if (access === 'open-flags') {
    const { reads, writes } = openFlagAccess(args[1]);
    return (reads ? check(path, READ) : undefined) ?? (writes ? check(path, WRITE) : undefined);
  }
  if (access === 'copy-source' || access === 'copy-destination') {
    const source = access === 'copy-source';
    const top = check(path, source ? READ : WRITE);
    if (top) return top;
    const options = copyOptionsOf(args[2]);
    for (const entry of source ? copySourceTree(path, args[1], options) : copyDestinationTree(path, options)) {
      const error = check(entry.path, entry.mode === 'read' ? READ : entry.mode === 'list' ? LIST_ENTRY : WRITE);
      if (error) return error;
    }
    return undefined;
  }
  if (access === 'link-target') {
    const link = pathOf(args[1]);
    const target = typeof path === 'string' || Buffer.isBuffer(path) ? String(path) : pathOf(path);
    return link === undefined || target === undefined ? undefined : check(resolve(dirname(link), target), READ);
  }
  return check(path, access);
}

/** What an open does with its flags: `r+`, `w+`, `a+` and O_RDWR both read and write. */
export function openFlagAccess(flags: unknown): { reads: boolean; writes: boolean } {
  if (flags === undefined || flags === null) return { reads: true, writes: false };
  if (typeof flags === 'string') {
    const plus = flags.includes('+');
    const readOnly = flags.replace(/s/g, '') === 'r';
    return { reads: plus || readOnly, writes: plus || !readOnly };
  }
  if (typeof flags === 'number') {
    const { O_ACCMODE = 3, O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND } = fs.constants as typeof fs.constants & { O_ACCMODE?: number };
    const mode = flags & O_ACCMODE;
    const changes = (flags & (O_CREAT | O_TRUNC | O_APPEND)) !== 0;
    return { reads: mode === O_RDONLY || mode === O_RDWR, writes: mode === O_WRONLY || mode === O_RDWR || changes };
  }
  return { reads: true, writes: true }; // an unknown flag value: check it both ways
}
