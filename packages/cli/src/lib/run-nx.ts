import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ReproError } from '@reproml/core';

export interface RunNxParams {
  workspaceRoot: string;
  args: string[];
  env?: Record<string, string>;
}

/** Runs the workspace's own nx CLI (no daemon, no cloud) and returns its output, or fails with it. */
export function runNx(params: RunNxParams): string {
  const result = spawnSync(join(params.workspaceRoot, 'node_modules', '.bin', 'nx'), params.args, {
    cwd: params.workspaceRoot,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', ...params.env },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) {
    throw new ReproError(`nx ${params.args.join(' ')} failed in ${params.workspaceRoot}`, {
      hint: `Its output:\n${output.trim().split('\n').slice(-40).join('\n')}`,
    });
  }
  return output;
}
