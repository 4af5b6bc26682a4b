import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The ReproML checkout the tests run from. */
export const REPO_ROOT = join(__dirname, '..', '..');

/** What a temp workspace copies from the checkout: the tooling, not the user's pipelines. */
const WORKSPACE_FILES = [
  'package.json',
  'nx.json',
  'tsconfig.base.json',
  'tsconfig.json',
  'pnpm-workspace.yaml',
  'pnpm-lock.yaml',
  '.gitignore',
  'datasets',
  'packages',
  'plugins',
  // The plugin entry, the executor and the CLI compile stale packages with it (dist/ comes along with packages/).
  'tools/compile-packages.cjs',
];

/**
 * node_modules of a temp workspace: every installed package is a link to the checkout's install,
 * but `@reproml/*` (pnpm's relative workspace links) point at the temp workspace's own copies of
 * packages/ and plugins/. So the plugin and executors nx loads are the snapshot taken with the
 * workspace, and hashes stay stable while the checkout is being edited.
 */
function linkNodeModules(root: string): void {
  const installed = join(REPO_ROOT, 'node_modules');
  mkdirSync(join(root, 'node_modules'));
  for (const entry of readdirSync(installed)) {
    if (entry === '@reproml') {
      cpSync(join(installed, entry), join(root, 'node_modules', entry), { recursive: true, verbatimSymlinks: true });
    } else {
      symlinkSync(join(installed, entry), join(root, 'node_modules', entry));
    }
  }
}

export interface NxResult {
  status: number;
  output: string;
}

/**
 * A throwaway copy of the workspace with its own git repo and its own Nx cache folder,
 * driven by the real nx CLI. node_modules is a link to the checkout's install.
 */
export class TempWorkspace {
  readonly cacheDir: string;

  private constructor(readonly root: string) {
    this.cacheDir = join(root, '.nx-test-cache');
  }

  static create(options: { pipelines?: string[]; label?: string } = {}): TempWorkspace {
    const root = mkdtempSync(join(tmpdir(), `reproml-${options.label ?? 'e2e'}-`));
    for (const entry of WORKSPACE_FILES) {
      cpSync(join(REPO_ROOT, entry), join(root, entry), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (source) => !/[\\/](out|\.nx|\.reproml)([\\/]|$)/.test(source.slice(REPO_ROOT.length)),
      });
    }
    for (const pipeline of options.pipelines ?? []) {
      cpSync(join(REPO_ROOT, 'pipelines', pipeline), join(root, 'pipelines', pipeline), {
        recursive: true,
        filter: (source) => !/[\\/]out([\\/]|$)/.test(source),
      });
    }
    linkNodeModules(root);
    const workspace = new TempWorkspace(root);
    workspace.git('init', '-q', '-b', 'main');
    workspace.commitAll('initial workspace');
    return workspace;
  }

  /**
   * A `git clone` of another temp workspace, as a colleague or a CI runner would have it:
   * the committed files only, its own Nx cache folder. Cloning the clone (instead of copying the
   * checkout again) keeps the two byte-identical even while the checkout is being edited.
   */
  static cloneFrom(source: TempWorkspace, options: { label?: string } = {}): TempWorkspace {
    const root = mkdtempSync(join(tmpdir(), `reproml-${options.label ?? 'clone'}-`));
    execFileSync('git', ['clone', '-q', source.root, root]);
    // Package-level node_modules (pnpm's relative links) and compiled dist/ folders are not in git:
    // take them from the source (a dist/ whose stamp does not match the clone's sources recompiles).
    for (const group of ['packages', 'plugins']) {
      for (const name of readdirSync(source.path(group))) {
        for (const ignored of ['node_modules', 'dist']) {
          const folder = source.path(group, name, ignored);
          if (existsSync(folder) && existsSync(join(root, group, name))) {
            cpSync(folder, join(root, group, name, ignored), { recursive: true, verbatimSymlinks: true });
          }
        }
      }
    }
    linkNodeModules(root);
    return new TempWorkspace(root);
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  write(relativePath: string, content: string | object): void {
    const target = this.path(relativePath);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }

  /** A symlink at `relativePath` pointing at `target` (as given: relative to the link's folder, or absolute). */
  symlink(relativePath: string, target: string): void {
    mkdirSync(dirname(this.path(relativePath)), { recursive: true });
    symlinkSync(target, this.path(relativePath));
  }

  read(relativePath: string): string {
    return readFileSync(this.path(relativePath), 'utf8');
  }

  exists(relativePath: string): boolean {
    return existsSync(this.path(relativePath));
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=ReproML Tests', '-c', 'user.email=tests@reproml.dev', ...args], {
      cwd: this.root,
      encoding: 'utf8',
    });
  }

  commitAll(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  /** Runs the real nx CLI with the daemon and cloud off and this workspace's own cache folder. */
  nx(args: string[], env: Record<string, string> = {}): NxResult {
    const result = spawnSync(this.nxBin(), args, { cwd: this.root, encoding: 'utf8', env: this.nxEnv(env), timeout: 300_000 });
    return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
  }

  /** `nx` without blocking the test process: for runs that must overlap, or talk to a server in this process. */
  nxAsync(args: string[], env: Record<string, string> = {}): Promise<NxResult> {
    return new Promise((resolve, reject) => {
      execFile(
        this.nxBin(),
        args,
        { cwd: this.root, encoding: 'utf8', env: this.nxEnv(env), timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') return reject(error);
          resolve({ status: error ? (error.code as number) : 0, output: `${stdout}${stderr}` });
        },
      );
    });
  }

  private nxBin(): string {
    return join(this.root, 'node_modules', '.bin', 'nx');
  }

  private nxEnv(env: Record<string, string>): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_TUI: 'false',
      NX_CACHE_DIRECTORY: this.cacheDir,
      NX_SKIP_NX_CACHE: '',
      // Hermetic: a developer's team remote cache (README) must not leak into the tests.
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: '',
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: '',
      FORCE_COLOR: '0',
      NO_COLOR: '1',
      ...env,
    };
  }

  /** `nx` that must succeed; the output is in the error when it does not. */
  nxOk(args: string[], env: Record<string, string> = {}): string {
    const result = this.nx(args, env);
    if (result.status !== 0) throw new Error(`nx ${args.join(' ')} failed (${result.status}):\n${result.output}`);
    return result.output;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface TaskOutcome {
  /** Tasks whose executor ran. */
  executed: string[];
  /** Tasks restored from (or already matching) the cache. */
  cached: string[];
}

/** Which tasks ran and which came from the cache, read from `--output-style=stream` output. */
export function taskOutcomes(output: string): TaskOutcome {
  const executed: string[] = [];
  const cached: string[] = [];
  for (const match of output.matchAll(/^> nx run (\S+?)(?:\s+(\[[^\]]+\]))?\s*$/gm)) {
    const task = match[1]!;
    if (match[2] && /cache/.test(match[2])) cached.push(task);
    else executed.push(task);
  }
  return { executed: [...new Set(executed)].sort(), cached: [...new Set(cached)].sort() };
}

/** The tasks Nx lists under "Failed tasks:", sorted. */
export function failedTasks(output: string): string[] {
  const list = output.split('Failed tasks:')[1] ?? '';
  return [...list.matchAll(/^- (\S+:\S+)\s*$/gm)].map((match) => match[1]!).sort();
}

/**
 * Tasks restored from the remote cache (`[remote cache]` after the task line), as opposed to
 * the local cache (`[local cache]`) or outputs already in place; a subset of `taskOutcomes().cached`.
 */
export function tasksFromRemoteCache(output: string): string[] {
  const remote = new Set<string>();
  for (const match of output.matchAll(/^> nx run (\S+?)\s+\[remote cache\]\s*$/gm)) remote.add(match[1]!);
  return [...remote].sort();
}
