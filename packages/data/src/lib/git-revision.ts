import { spawnSync } from 'node:child_process';
import { ConfigError } from '@reproml/core';

/** The commit a revision (sha, branch, tag, `HEAD~2`) names in the workspace's git repository. */
export function resolveCommit(workspaceRoot: string, revision: string, what: { stage: string; hint?: string }): string {
  const result = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], { cwd: workspaceRoot, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new ConfigError(`'${revision}' is not a commit, branch or tag of this repository`, {
      stage: what.stage,
      hint: what.hint ?? 'Name a git revision (a commit, branch, tag or HEAD~N); `git log -- <stage folder>/stage.lock.json` lists the lock’s versions.',
    });
  }
  return result.stdout.trim();
}

/** The bytes of a workspace-relative path at a commit, or undefined when the commit does not hold it. */
export function readBlobAt(workspaceRoot: string, commit: string, path: string): Buffer | undefined {
  const result = spawnSync('git', ['show', `${commit}:${path}`], { cwd: workspaceRoot, maxBuffer: 4 * 1024 ** 3 });
  return result.status === 0 ? result.stdout : undefined;
}

/** The newest commit that changed `path`, or undefined when none did. */
export function lastCommitTouching(workspaceRoot: string, path: string, revision = 'HEAD'): string | undefined {
  const result = spawnSync('git', ['log', '-1', '--format=%H', revision, '--', path], { cwd: workspaceRoot, encoding: 'utf8' });
  const commit = result.status === 0 ? result.stdout.trim() : '';
  return commit || undefined;
}

/** Who is making a change, as git knows them (`Name <email>`), else the OS user. */
export function gitAuthor(workspaceRoot: string): string {
  const read = (key: string) => spawnSync('git', ['config', key], { cwd: workspaceRoot, encoding: 'utf8' }).stdout?.trim() ?? '';
  const name = read('user.name');
  const email = read('user.email');
  if (name && email) return `${name} <${email}>`;
  return name || email || process.env.USER || process.env.USERNAME || 'unknown';
}
