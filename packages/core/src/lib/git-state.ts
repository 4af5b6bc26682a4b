import { spawnSync } from 'node:child_process';

export interface GitState {
  commit: string;
  /** True when tracked files differ from the commit. */
  dirty: boolean;
}

/** The workspace's git commit and dirty flag, or undefined outside a git checkout. */
export function readGitState(workspaceRoot: string): GitState | undefined {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: workspaceRoot, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: workspaceRoot, encoding: 'utf8' });
  return { commit: head.stdout.trim(), dirty: status.status === 0 && status.stdout.trim().length > 0 };
}
