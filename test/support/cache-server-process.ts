import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessLogEntry } from '@reproml/remote-cache';
import { REPO_ROOT } from './temp-workspace';

export const READ_WRITE_TOKEN = 'e2e-read-write-0123456789abcdef';
export const READ_ONLY_TOKEN = 'e2e-read-only-0123456789abcdef';

/**
 * The real `reproml-cache` bin in its own process, on 127.0.0.1 and a free port. It must not
 * live in the test process: the tests drive nx with spawnSync, which blocks this event loop.
 * Its stdout (the JSON access log) goes to a file, so a full pipe can never stall it.
 */
export class CacheServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly logFile: string,
    readonly url: string,
  ) {}

  /**
   * `fileSizeLimitBlocks`: run the server under `ulimit -f` (a disk that takes no more bytes,
   * which binds root too). Its log then goes through `cat`, which has no limit, to the file.
   */
  static async start(params: { dir: string; logFile: string; fileSizeLimitBlocks?: number }): Promise<CacheServerProcess> {
    const out = openSync(params.logFile, 'a');
    const offset = readFileSync(params.logFile).length;
    const bin = join(REPO_ROOT, 'node_modules', '.bin', 'reproml-cache');
    const args = ['--dir', params.dir, '--port', '0', '--host', '127.0.0.1'];
    const limited = params.fileSizeLimitBlocks !== undefined;
    const child = spawn(limited ? 'sh' : bin, limited ? ['-c', `(ulimit -f ${params.fileSizeLimitBlocks} && exec "$@") | cat`, 'sh', bin, ...args] : args, {
      stdio: ['ignore', out, 'pipe'],
      // A process group of its own, so that stop() reaches the server behind the shell too.
      detached: limited,
      env: { ...process.env, REPROML_CACHE_READ_WRITE_TOKENS: READ_WRITE_TOKEN, REPROML_CACHE_READ_ONLY_TOKENS: READ_ONLY_TOKEN },
    });
    closeSync(out);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const line = readFileSync(params.logFile, 'utf8').slice(offset).split('\n')[0];
      if (line) return new CacheServerProcess(child, params.logFile, JSON.parse(line).url);
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill();
        throw new Error(`reproml-cache did not start (exit ${child.exitCode}):\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The env that points nx at this server with a token (and lets the CI preflight accept plain http to 127.0.0.1). */
  nxEnv(token: string): Record<string, string> {
    return { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: this.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token, REPROML_ALLOW_HTTP_LOCALHOST: '1' };
  }

  /** Every access log entry written so far (across restarts that share the log file). */
  accessLog(): AccessLogEntry[] {
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{"time"'))
      .map((line) => JSON.parse(line) as AccessLogEntry);
  }

  rawLog(): string {
    return readFileSync(this.logFile, 'utf8');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.spawnargs[0] === 'sh') process.kill(-this.child.pid!, 'SIGTERM');
    else this.child.kill('SIGTERM');
    await exited;
  }
}
