import { spawnSync } from 'node:child_process';
import type { TempWorkspace } from './temp-workspace';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the workspace's own `reproml` bin (packages/cli) inside a temp workspace. */
export function reproml(workspace: TempWorkspace, args: string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [workspace.path('packages/cli/bin/reproml.js'), ...args], {
    cwd: workspace.root,
    encoding: 'utf8',
    env: { ...process.env, NX_CACHE_DIRECTORY: workspace.cacheDir, NX_DAEMON: 'false', NO_COLOR: '1', ...env },
    timeout: 300_000,
    // `lineage --json` of a swept model repeats the shared upstream chain under every point: well over the 1 MiB default.
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}
