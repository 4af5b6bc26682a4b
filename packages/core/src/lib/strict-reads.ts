import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ReproError } from './errors';

/** A read of a file that is not among the stage's declared inputs. */
export class UndeclaredInputError extends ReproError {
  override name = 'UndeclaredInputError';
  override readonly code = 'UNDECLARED_INPUT';
}

export interface ReadPolicy {
  workspaceRoot: string;
  /** Absolute files or folders inside the workspace the stage may read. Everything outside the workspace is allowed. */
  allowed: readonly string[];
  stage: string;
  stageFile: string;
}

// biome-ignore lint/suspicious/noExplicitAny: wraps node:fs functions of every signature
type AnyFunction = (...args: any[]) => any;
interface Patch {
  target: Record<string, unknown>;
  name: string;
  original: AnyFunction;
}

const READ_FUNCTIONS = ['readFileSync', 'readFile', 'createReadStream', 'copyFileSync', 'copyFile', 'openSync', 'open'] as const;
const PROMISE_READ_FUNCTIONS = ['readFile', 'open', 'copyFile'] as const;

/**
 * Runs `body` with the file-reading functions of `node:fs` guarded: reading a workspace
 * file the stage did not declare fails at once. The Nx cache key is built from the
 * declared inputs, so an undeclared read is a dependency the cache could silently miss.
 * A guard, not a sandbox: code that kept a reference to an fs function from before the
 * run (CommonJS destructuring at load time) is not seen, nor are child processes.
 */
export async function withStrictReads<T>(policy: ReadPolicy, body: () => Promise<T>): Promise<T> {
  const violations: UndeclaredInputError[] = [];
  const check = (path: unknown, flags?: unknown): UndeclaredInputError | undefined => {
    const error = violationFor(policy, path, flags);
    if (error) violations.push(error);
    return error;
  };
  const patches = [
    ...READ_FUNCTIONS.map((name) => patch(fs as unknown as Record<string, unknown>, name, check, 'sync-or-callback')),
    ...PROMISE_READ_FUNCTIONS.map((name) => patch(fs.promises as unknown as Record<string, unknown>, name, check, 'promise')),
  ];
  // ES modules that imported these functions by name see the patched ones too.
  syncBuiltinESMExports();
  try {
    const result = await body();
    // A stage may have caught the error itself; the read still happened, so the run fails.
    if (violations.length) throw violations[0];
    return result;
  } finally {
    for (const { target, name, original } of patches.reverse()) target[name] = original;
    syncBuiltinESMExports();
  }
}

function patch(
  target: Record<string, unknown>,
  name: string,
  check: (path: unknown, flags?: unknown) => UndeclaredInputError | undefined,
  style: 'sync-or-callback' | 'promise',
): Patch {
  const original = target[name] as AnyFunction;
  target[name] = function guarded(this: unknown, ...args: unknown[]) {
    const flags = name === 'open' || name === 'openSync' ? args[1] : undefined;
    const error = check(args[0], flags);
    if (error) {
      if (style === 'promise') return Promise.reject(error);
      const callback = args[args.length - 1];
      if (name !== 'createReadStream' && !name.endsWith('Sync') && typeof callback === 'function') {
        process.nextTick(() => (callback as AnyFunction)(error));
        return undefined;
      }
      throw error;
    }
    return original.apply(this, args);
  };
  return { target, name, original };
}

function violationFor(policy: ReadPolicy, path: unknown, flags: unknown): UndeclaredInputError | undefined {
  if (!isReadOnlyOpen(flags)) return undefined;
  const absolute = toAbsolutePath(path);
  if (!absolute) return undefined;
  const inside = relative(policy.workspaceRoot, absolute);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
  if (policy.allowed.some((root) => absolute === root || absolute.startsWith(root.endsWith(sep) ? root : root + sep))) {
    return undefined;
  }
  const file = inside.split(sep).join('/');
  return new UndeclaredInputError(`Stage read '${file}', which is not among its declared inputs`, {
    stage: policy.stage,
    file,
    hint:
      `Declare it so that Nx hashes it: move it into the stage folder (${policy.stageFile.replace(/\/stage\.json$/, '/')}), ` +
      `produce it in an upstream stage named in "inputs", or pull it as a dataset. ` +
      `To allow undeclared reads for this stage anyway, set "strict": false in ${policy.stageFile}.`,
  });
}

/** Opens for writing are not reads; only `r`-mode opens are checked. */
function isReadOnlyOpen(flags: unknown): boolean {
  if (flags === undefined || flags === null) return true;
  if (typeof flags === 'string') return flags === 'r' || flags === 'rs' || flags === 'sr';
  if (typeof flags === 'number') return (flags & 3) === fs.constants.O_RDONLY;
  return true;
}

function toAbsolutePath(path: unknown): string | undefined {
  if (typeof path === 'string') return resolve(path);
  if (path instanceof URL && path.protocol === 'file:') return resolve(decodeURIComponent(path.pathname));
  if (Buffer.isBuffer(path)) return resolve(path.toString('utf8'));
  return undefined; // file descriptors and handles were checked when opened
}
