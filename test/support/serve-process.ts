import { type ChildProcess, spawn } from 'node:child_process';
import type { TempWorkspace } from './temp-workspace';

/** A `reproml serve …` process in a temp workspace: its URL once it listens, its output, and its exit. */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export async function startServe(workspace: TempWorkspace, args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [workspace.path('packages/cli/bin/reproml.js'), 'serve', ...args], {
    cwd: workspace.root,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reproml serve did not start in 60 s:\n${output}`)), 60_000);
    const check = () => {
      const match = / at (http:\/\/\S+?)(,|\s)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`reproml serve exited (${code}) before listening:\n${output}`)));
  });
  return {
    url,
    child,
    output: () => output,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
