/**
 * bench/overhead: what ReproML adds to the commands users wait on, as ratios against a
 * baseline measured in the same run (interleaved rounds).
 *   node -r @swc-node/register bench/overhead/run.ts [--rounds 5]
 * See README.md in this folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT, TempWorkspace, taskOutcomes } from '../../test/support/temp-workspace';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

/** min / median / max of a list of numbers. */
function spread(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
}

/** Wall seconds of one whole process (startup included); throws when it fails. */
function timedProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  return seconds;
}

/** A bare Nx workspace (no plugin) with `count` projects, each with one trivial cached `run` target. */
function bareWorkspace(count: number): string {
  const root = mkdtempSync(join(tmpdir(), 'reproml-bench-bare-'));
  // The daemon is chosen per command (NX_DAEMON), as on the ReproML side.
  writeFileSync(join(root, 'nx.json'), JSON.stringify({ neverConnectToCloud: true, analytics: false }));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'bare', private: true }));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  for (let index = 0; index < count; index++) {
    const project = join(root, 'projects', `p${index}`);
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, 'project.json'),
      JSON.stringify({
        name: `p${index}`,
        targets: {
          run: {
            executor: 'nx:run-commands',
            cache: true,
            inputs: ['{projectRoot}/**/*'],
            outputs: ['{projectRoot}/out'],
            options: { command: 'node -e 0', cwd: `projects/p${index}` },
          },
        },
      }),
    );
  }
  spawnSync('git', ['init', '-q'], { cwd: root });
  return root;
}

function nxEnv(cacheDir: string, daemon = false): NodeJS.ProcessEnv {
  return { ...process.env, NX_DAEMON: String(daemon), NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_CACHE_DIRECTORY: cacheDir, FORCE_COLOR: '0', NO_COLOR: '1' };
}

/** Runs both sides in turn, `rounds` times, and prints A, B and A/B as min / median / max. */
function compare(label: string, rounds: number, a: () => number, b: () => number): void {
  const as: number[] = [];
  const bs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    as.push(a());
    bs.push(b());
  }
  const ratio = spread(as.map((value, index) => value / bs[index]!));
  const show = (values: number[]) => {
    const { min, median, max } = spread(values);
    return `${median.toFixed(2)} s (${min.toFixed(2)}–${max.toFixed(2)})`;
  };
  console.log(
    `${label}\n  ReproML  ${show(as)}\n  baseline ${show(bs)}\n  ratio    ${ratio.median.toFixed(2)}× (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`,
  );
}

/** The 1, 5 and 15-minute load averages: the machine is shared, so every figure says how busy it was. */
function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}

function main(): void {
  const rounds = option('rounds', 5);
  const penguins = TempWorkspace.create({ label: 'bench-overhead', pipelines: ['penguins'] });
  const withoutPlugin = TempWorkspace.cloneFrom(penguins, { label: 'bench-overhead-noplugin' });
  let bare = '';
  const daemons: { cwd: string; nx: string; cacheDir: string }[] = [];
  try {
    const runPenguins = ['run-many', '-t', 'run', '-p', 'tag:pipeline:penguins', '--output-style=stream'];
    const first = taskOutcomes(penguins.nxOk(runPenguins));
    const tasks = first.executed.length + first.cached.length;
    // Once more: the push finds v1 published and caches that answer (the first run's push created v1, under a random hash).
    const second = taskOutcomes(penguins.nxOk(runPenguins));
    bare = bareWorkspace(tasks);
    const bareCache = join(bare, '.nx-cache');
    const bareNx = join(bare, 'node_modules', '.bin', 'nx');
    const runBare = (daemon: boolean) => timedProcess(bareNx, ['run-many', '-t', 'run', '--output-style=stream'], bare, nxEnv(bareCache, daemon));
    runBare(false);
    withoutPlugin.write('nx.json', { ...JSON.parse(withoutPlugin.read('nx.json')), plugins: [] });
    console.log(`bench/overhead: ${rounds} interleaved rounds; load average ${loadAverage()} (1, 5, 15 min) at the start`);
    console.log(
      `penguins: ${tasks} run tasks (the push included), bare Nx: ${tasks} cached trivial targets; setup's second run executed: ${second.executed.join(', ') || 'nothing'}`,
    );

    const nx = (workspace: TempWorkspace, args: string[], daemon: boolean) =>
      timedProcess(workspace.path('node_modules', '.bin', 'nx'), args, workspace.root, nxEnv(workspace.cacheDir, daemon));
    const compareBoth = (daemon: boolean) => {
      const label = daemon ? 'daemon on' : 'daemon off';
      compare(
        `cached rerun, ${label}: penguins pipeline vs bare Nx`,
        rounds,
        () => nx(penguins, runPenguins, daemon),
        () => runBare(daemon),
      );
      compare(
        `nx show projects, ${label}: with the plugin vs without`,
        rounds,
        () => nx(penguins, ['show', 'projects'], daemon),
        () => nx(withoutPlugin, ['show', 'projects'], daemon),
      );
    };
    compareBoth(false);
    // The Nx daemon (on for users, off in tests and CI): the same commands through it, once each daemon is up.
    for (const [cwd, cacheDir] of [
      [penguins.root, penguins.cacheDir],
      [withoutPlugin.root, withoutPlugin.cacheDir],
      [bare, bareCache],
    ] as const) {
      daemons.push({ cwd, nx: join(cwd, 'node_modules', '.bin', 'nx'), cacheDir });
      timedProcess(join(cwd, 'node_modules', '.bin', 'nx'), ['show', 'projects'], cwd, nxEnv(cacheDir, true));
    }
    compareBoth(true);
    const bin = join(REPO_ROOT, 'packages', 'cli', 'bin', 'reproml.js');
    compare(
      'reproml --help vs node -e 0',
      rounds,
      () => timedProcess(process.execPath, [bin, '--help'], REPO_ROOT, process.env),
      () => timedProcess(process.execPath, ['-e', '0'], REPO_ROOT, process.env),
    );
    console.log(`load average ${loadAverage()} (1, 5, 15 min) at the end`);
  } finally {
    for (const daemon of daemons) spawnSync(daemon.nx, ['daemon', '--stop'], { cwd: daemon.cwd, env: nxEnv(daemon.cacheDir, true) });
    penguins.remove();
    withoutPlugin.remove();
    if (bare) rmSync(bare, { recursive: true, force: true });
  }
}

main();
