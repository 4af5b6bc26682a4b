import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReproError } from './errors';
import { type FsAccess, withFsGuard } from './fs-guard';
import { isInside, type ReadScope, scopeAllowsFile, scopeAllowsFolder, withRealPath } from './read-scope';
import { realPathOf } from './real-path';
import { withRequireGuard } from './require-guard';

/** Loading a module is reading its file, also when it was loaded before the stage started. */
const MODULE_LOAD: FsAccess = { mode: 'read', follow: true };

/** A read of a file that is not among the stage's declared inputs. */
export class UndeclaredInputError extends ReproError {
  override name = 'UndeclaredInputError';
  override readonly code = 'UNDECLARED_INPUT';
}

/** A write inside the workspace outside the stage's own output. */
export class UndeclaredWriteError extends ReproError {
  override name = 'UndeclaredWriteError';
  override readonly code = 'UNDECLARED_WRITE';
}

export interface AccessPolicy {
  workspaceRoot: string;
  /** What inside the workspace the stage may read: exactly what its `run` target hashes. Nothing outside the workspace is checked. */
  reads: readonly (ReadScope | string)[];
  /** Folders inside the workspace the stage may change: its temp output folder and state its kind owns. Nothing outside the workspace is checked. */
  writes: readonly string[];
  stage: string;
  stageFile: string;
}

/**
 * Runs `body` with `node:fs` guarded (see fs-guard.ts for the calls): reading a workspace
 * file the stage did not declare, or writing anywhere in the workspace but its output
 * folder, fails at once. Every path is checked as given and with its symlinks resolved, so
 * a link inside an allowed folder does not reach past it. The Nx cache key is built from
 * the declared inputs, so an undeclared read is a dependency the cache could silently miss,
 * and a stray write changes another stage's inputs behind Nx's back.
 * CommonJS `require`s are checked too, against the file they resolve to, even for a module
 * loaded before the stage started.
 * A guard, not a sandbox: code that kept a reference to an fs function from before the
 * run (CommonJS destructuring at load time), native addons reading by path, ES module
 * imports, worker threads and child processes are not seen.
 */
export async function withStrictAccess<T>(policy: AccessPolicy, body: () => Promise<T>): Promise<T> {
  const check = accessChecker(policy);
  const violations: ReproError[] = [];
  const checked = (path: unknown, access: FsAccess) => {
    const error = check(path, access);
    if (error) violations.push(error);
    return error;
  };
  try {
    const result = await withFsGuard(checked, () => withRequireGuard((filename) => checked(filename, MODULE_LOAD), body));
    // A stage may have caught the error itself; the access was still attempted, so the run fails.
    if (violations.length) throw violations[0];
    return result;
  } catch (error) {
    // The refused access is the cause, even when the stage failed later for its own reasons.
    throw violations[0] ?? error;
  }
}

function accessChecker(policy: AccessPolicy) {
  const workspaceRoots = withRealPath(policy.workspaceRoot).map((scope) => scope.path);
  const readScopes = policy.reads.flatMap(withRealPath);
  const writeRoots = policy.writes.flatMap(withRealPath).map((scope) => scope.path);
  const relativeName = (absolute: string) => {
    const root = workspaceRoots.find((candidate) => isInside(candidate, absolute)) ?? policy.workspaceRoot;
    return absolute
      .slice(root.length + 1)
      .split(sep)
      .join('/');
  };
  return (path: unknown, access: FsAccess): ReproError | undefined => {
    const lexical = toAbsolutePath(path);
    if (lexical === undefined) return undefined; // a file descriptor or handle: checked when it was opened
    if (access.noOpIfExists && existsSync(lexical)) return undefined;
    const real = realPathOf(lexical, { followLast: access.follow });
    for (const candidate of lexical === real ? [lexical] : [lexical, real]) {
      if (!workspaceRoots.some((root) => isInside(root, candidate))) continue;
      if (isAllowed(candidate, access, readScopes, writeRoots)) continue;
      const through = candidate === lexical ? undefined : relativeName(lexical);
      return refusal(policy, access, relativeName(candidate), through);
    }
    return undefined;
  };
}

function isAllowed(absolute: string, access: FsAccess, readScopes: readonly ReadScope[], writeRoots: readonly string[]): boolean {
  if (access.mode === 'write') return writeRoots.some((root) => isInside(root, absolute));
  if (access.mode === 'list') return readScopes.some((scope) => scopeAllowsFolder(scope, absolute));
  return readScopes.some((scope) => scopeAllowsFile(scope, absolute));
}

function refusal(policy: AccessPolicy, access: FsAccess, file: string, through: string | undefined): ReproError {
  const link = through === undefined || through.startsWith('..') ? '' : ` (through the symlink '${through}')`;
  const stageFolder = policy.stageFile.replace(/\/stage\.json$/, '/');
  const optOut = `To allow it anyway, set "strict": false in ${policy.stageFile} (Nx's cache then cannot be trusted for this stage).`;
  if (access.mode === 'write') {
    return new UndeclaredWriteError(`Stage wrote to '${file}'${link}, outside its output folder`, {
      stage: policy.stage,
      file,
      hint:
        `A stage writes only into its output folder (stage.outDir in a script, which becomes ${stageFolder}out/): ` +
        `files it changes elsewhere in the workspace are not its cached outputs and may be another stage's inputs. ` +
        `Write it into the output folder, or outside the workspace (os.tmpdir()) for scratch files. ${optOut}`,
    });
  }
  const what = access.mode === 'list' ? `listed the folder '${file}'` : `read '${file}'`;
  return new UndeclaredInputError(`Stage ${what}${link}, which is not among its declared inputs`, {
    stage: policy.stage,
    file,
    hint:
      `Declare it so that Nx hashes it: move it into the stage folder (${stageFolder}), ` +
      `produce it in an upstream stage named in "inputs", or pull it as a dataset. ${optOut}`,
  });
}

function toAbsolutePath(path: unknown): string | undefined {
  if (typeof path === 'string') return resolve(path);
  if (path instanceof URL) return path.protocol === 'file:' ? fileURLToPath(path) : undefined;
  if (Buffer.isBuffer(path)) return resolve(path.toString('utf8'));
  return undefined;
}
