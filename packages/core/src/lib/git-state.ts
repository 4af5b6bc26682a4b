import { execFile, spawnSync } from 'node:child_process';
import { sha256OfBytes } from './hash';

export interface GitState {
  commit: string;
  /** True when a file in scope is modified, deleted, staged or untracked (not ignored) relative to the commit. */
  dirty: boolean;
  /** The files in scope that differ from the commit, and a sha256 over their current content (`hashUncommitted`). */
  uncommitted?: UncommittedContent;
}

export interface UncommittedContent {
  /** Workspace-relative paths, sorted. */
  files: string[];
  /** sha256 over `path\0<git blob id of the file, or "deleted">\n` per file: equal hashes = the same uncommitted content. */
  sha256: string;
}

export interface GitScope {
  /**
   * Git pathspecs of the files that matter (`:(glob)pipelines/p/train/**`, `:(exclude,glob)…`,
   * `:(literal)…`). Omitted: the whole working tree. Empty: nothing (never dirty).
   */
  pathspecs?: readonly string[];
  /** Also list the uncommitted files and hash their content (for a record that must say what it was built from). */
  hashUncommitted?: boolean;
}

/**
 * The workspace's git commit and whether the files in scope differ from it (modified,
 * deleted, staged or untracked), or undefined outside a git checkout. The one rule for
 * "dirty" everywhere: run metadata, the run store, pushes.
 */
export function readGitState(workspaceRoot: string, scope: GitScope = {}): GitState | undefined {
  const commit = headCommit(workspaceRoot);
  if (commit === undefined) return undefined;
  const entries = statusEntries(workspaceRoot, scope.pathspecs);
  if (!scope.hashUncommitted || entries.length === 0) return { commit, dirty: entries.length > 0 };
  return { commit, dirty: true, uncommitted: { files: entries.map((entry) => entry.path), sha256: hashUncommittedContent(workspaceRoot, entries) } };
}

/**
 * `readGitState` of several scopes at once (no `hashUncommitted`): one `git rev-parse`, then the
 * scopes' `git status` in parallel processes. The cache restores of one command, a stage each.
 */
export async function readGitStates(workspaceRoot: string, scopes: readonly Pick<GitScope, 'pathspecs'>[]): Promise<(GitState | undefined)[]> {
  const commit = headCommit(workspaceRoot);
  if (commit === undefined) return scopes.map(() => undefined);
  return Promise.all(
    scopes.map(async (scope) => {
      if (scope.pathspecs && scope.pathspecs.length === 0) return { commit, dirty: false };
      const output = await new Promise<string | undefined>((resolve) => {
        execFile('git', statusArgs(scope.pathspecs), { cwd: workspaceRoot, encoding: 'utf8', maxBuffer: STATUS_MAX_BUFFER }, (error, stdout) =>
          resolve(error ? undefined : stdout),
        );
      });
      return { commit, dirty: output !== undefined && parseStatus(output).length > 0 };
    }),
  );
}

/** Files in scope that differ from HEAD, untracked ones included (ignored ones not), sorted. */
export function uncommittedFiles(workspaceRoot: string, pathspecs?: readonly string[]): string[] {
  return statusEntries(workspaceRoot, pathspecs).map((entry) => entry.path);
}

interface StatusEntry {
  path: string;
  /** Gone from the working tree (deleted, staged or not). */
  deleted: boolean;
}

const STATUS_MAX_BUFFER = 64 * 1024 * 1024;

/** The checked-out commit, or undefined outside a git checkout (or before its first commit). */
function headCommit(workspaceRoot: string): string | undefined {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: workspaceRoot, encoding: 'utf8' });
  return head.status === 0 ? head.stdout.trim() : undefined;
}

function statusArgs(pathspecs?: readonly string[]): string[] {
  return ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...(pathspecs ?? [])];
}

function statusEntries(workspaceRoot: string, pathspecs?: readonly string[]): StatusEntry[] {
  if (pathspecs && pathspecs.length === 0) return [];
  const status = spawnSync('git', statusArgs(pathspecs), { cwd: workspaceRoot, encoding: 'utf8', maxBuffer: STATUS_MAX_BUFFER });
  return status.status === 0 ? parseStatus(status.stdout) : [];
}

/** `git status --porcelain=v1 -z` output as entries, sorted by path. */
function parseStatus(output: string): StatusEntry[] {
  const entries = new Map<string, StatusEntry>();
  for (const entry of output.split('\0')) {
    if (entry.length <= 3) continue;
    const [x, y] = [entry[0], entry[1]];
    const path = entry.slice(3);
    entries.set(path, { path, deleted: y === 'D' || (x === 'D' && y === ' ') });
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** sha256 over each file's path and git blob id (hashed by git itself: no file is read in this process). */
function hashUncommittedContent(workspaceRoot: string, entries: readonly StatusEntry[]): string {
  const present = entries.filter((entry) => !entry.deleted).map((entry) => entry.path);
  const blobs = present.length
    ? spawnSync('git', ['hash-object', '--no-filters', '--stdin-paths'], { cwd: workspaceRoot, encoding: 'utf8', input: present.join('\n') })
    : undefined;
  const ids = blobs?.status === 0 ? blobs.stdout.trim().split('\n') : [];
  const byFile = new Map(present.map((file, index) => [file, ids[index] ?? 'unreadable']));
  return sha256OfBytes(entries.map((entry) => `${entry.path}\0${byFile.get(entry.path) ?? 'deleted'}\n`).join(''));
}
