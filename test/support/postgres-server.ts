import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The role `initdb` creates (trust authentication on 127.0.0.1: tests only). */
export const POSTGRES_USER = 'reproml';

export interface PostgresServerOptions {
  /** Extra server settings (`-c name=value`), e.g. `{ fsync: 'off' }` for tests that do not measure durability. */
  settings?: Record<string, string>;
  label?: string;
}

/**
 * A throw-away PostgreSQL cluster (Debian's `postgresql` package) in a temp folder, on
 * 127.0.0.1 and a free port, run by the real server binaries. `initdb` refuses root, so as root
 * the cluster belongs to the `postgres` user and every server command runs through
 * `runuser -u postgres`. A watchdog stops the server and removes the folder if the process that
 * started it dies without calling `stop()` (a test run killed half way).
 */
export class PostgresServer {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly watchdog: ChildProcess,
  ) {}

  /** Starts a new cluster (~2–4 s: initdb, then `pg_ctl start -w`). */
  static async start(options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const bin = postgresBinDir();
    const dir = mkdtempSync(join(tmpdir(), `reproml-${options.label ?? 'postgres'}-`));
    const port = await freePort();
    const asOwner = ownerPrefix();
    if (asOwner.length) {
      const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
      chownSync(dir, uid!, gid!);
    }
    const run = (command: string, args: string[]) => {
      const [file, ...prefix] = [...asOwner, join(bin, command)];
      try {
        execFileSync(file!, [...prefix, ...args], { cwd: dir, stdio: 'pipe', timeout: 120_000 });
      } catch (error) {
        const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
        const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
        throw new Error(`${command} ${args.join(' ')} failed: ${stderr || (error as Error).message}\n${log}`);
      }
    };
    const settings = { listen_addresses: '127.0.0.1', ...options.settings };
    const serverOptions = [`-p ${port}`, `-k ${dir}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)].join(' ');
    try {
      run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', POSTGRES_USER, '-E', 'UTF8', '--locale=C', '--no-sync']);
      run('pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-o', serverOptions, '-w', '-t', '60', 'start']);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new PostgresServer(dir, port, startWatchdog(dir, bin, asOwner));
  }

  /** The URL of one database on this server (default `postgres`, which always exists). */
  url(database = 'postgres'): string {
    return `postgres://${POSTGRES_USER}@127.0.0.1:${this.port}/${database}`;
  }

  /** Stops the server at once and removes its folder. */
  async stop(): Promise<void> {
    this.watchdog.kill('SIGTERM');
    stopCluster(this.dir, postgresBinDir(), ownerPrefix());
  }
}

/** Where Debian's server binaries are (`/usr/lib/postgresql/<major>/bin`), newest major first; or REPROML_TEST_PG_BIN. */
export function postgresBinDir(): string {
  if (process.env.REPROML_TEST_PG_BIN) return process.env.REPROML_TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = majors.map((major) => join(root, major, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  if (!found) {
    throw new Error(
      "PostgreSQL server binaries not found (/usr/lib/postgresql/<major>/bin/initdb). npm test installs Debian's `postgresql` package with apt-get (tools/ci/ensure-test-packages.sh); run that, or set REPROML_TEST_PG_BIN.",
    );
  }
  return found;
}

/** As root, server commands run as the `postgres` user (initdb refuses root). */
function ownerPrefix(): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
}

function stopCluster(dir: string, bin: string, asOwner: string[]): void {
  if (existsSync(join(dir, 'data', 'postmaster.pid'))) {
    const [file, ...prefix] = [...asOwner, join(bin, 'pg_ctl')];
    try {
      execFileSync(file!, [...prefix, '-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop'], { stdio: 'pipe', timeout: 60_000 });
    } catch {
      // Already stopped (a test stopped it on purpose).
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** A detached shell that waits for this process to end, then stops the cluster and removes its folder. */
function startWatchdog(dir: string, bin: string, asOwner: string[]): ChildProcess {
  const stop = [...asOwner, join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', 'stop'].map(shellQuote).join(' ');
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stop} >/dev/null 2>&1; rm -rf ${shellQuote(dir)}`;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
