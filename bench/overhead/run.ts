/**
 * bench/overhead: what ReproML adds to the commands users wait on, as ratios against a
 * baseline measured in the same run (interleaved rounds).
 *   node -r @swc-node/register bench/overhead/run.ts [--rounds 5]
 * See README.md in this folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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

/** The bare workspaces' Nx cache folder (NX_CACHE_DIRECTORY), inside each. */
const BARE_CACHE = '.nx-cache';

/**
 * A bare Nx workspace with `count` projects, each with one trivial cached `run` target: no plugin,
 * or (`withPlugin`) one plugin with ReproML's hooks that does nothing, the floor of any Nx plugin
 * with those hooks (Nx runs each plugin in a worker process of its own).
 */
function bareWorkspace(count: number, options: { withPlugin?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), `reproml-bench-bare${options.withPlugin ? '-plugin' : ''}-`));
  // The daemon is chosen per command (NX_DAEMON), as on the ReproML side.
  writeFileSync(
    join(root, 'nx.json'),
    JSON.stringify({ neverConnectToCloud: true, analytics: false, ...(options.withPlugin ? { plugins: ['./tools/nothing-plugin.js'] } : {}) }),
  );
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'bare', private: true }));
  // As in a real workspace (and the penguins one, below), Nx's cache folder is ignored.
  writeFileSync(join(root, '.gitignore'), `${BARE_CACHE}\n.nx\n`);
  if (options.withPlugin) {
    mkdirSync(join(root, 'tools'));
    // ReproML's hooks, doing nothing: with the daemon on, Nx 22 stops a plugin's worker after its last hook of a
    // command and starts it again for the next command's postTasksExecution, a cost of any plugin with that hook.
    writeFileSync(
      join(root, 'tools', 'nothing-plugin.js'),
      "exports.createNodesV2 = ['**/nothing-matches-this.json', () => []];\nexports.createDependencies = () => [];\nexports.postTasksExecution = async () => {};\n",
    );
  }
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

/**
 * Runs every side in turn (the order rotating each round), `rounds` times, and prints each
 * side's wall time and the first side's ratio to every other, as min / median / max of the
 * per-round ratios.
 */
function compare(label: string, rounds: number, sides: { name: string; run: () => number }[]): void {
  const times = sides.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < sides.length; turn++) {
      const index = (round + turn) % sides.length;
      times[index]!.push(sides[index]!.run());
    }
  }
  const width = Math.max(...sides.map((side) => side.name.length));
  const show = (values: number[]) => {
    const { min, median, max } = spread(values);
    return `${median.toFixed(2)} s (${min.toFixed(2)}–${max.toFixed(2)})`;
  };
  const lines = [label, ...sides.map((side, index) => `  ${side.name.padEnd(width)}  ${show(times[index]!)}`)];
  for (let index = 1; index < sides.length; index++) {
    const ratio = spread(times[0]!.map((value, round) => value / times[index]![round]!));
    lines.push(`  ratio to ${sides[index]!.name}: ${ratio.median.toFixed(2)}× (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`);
  }
  console.log(lines.join('\n'));
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
  // As in a real workspace, where Nx's cache folder (.nx/cache) is ignored: the test harness keeps
  // it in the workspace (NX_CACHE_DIRECTORY), which would leave the tree dirty and make the daemon
  // recompute the graph after every command, on both sides.
  penguins.write('.gitignore', `${penguins.read('.gitignore')}${relative(penguins.root, penguins.cacheDir)}\n`);
  penguins.commitAll('ignore the Nx cache folder');
  const withoutPlugin = TempWorkspace.cloneFrom(penguins, { label: 'bench-overhead-noplugin' });
  const bares: string[] = [];
  const daemons: { cwd: string; nx: string; cacheDir: string }[] = [];
  try {
    const runPenguins = ['run-many', '-t', 'run', '-p', 'tag:pipeline:penguins', '--output-style=stream'];
    const first = taskOutcomes(penguins.nxOk(runPenguins));
    const tasks = first.executed.length + first.cached.length;
    // Once more: the push finds v1 published and caches that answer (the first run's push created v1, under a random hash).
    const second = taskOutcomes(penguins.nxOk(runPenguins));
    const bare = bareWorkspace(tasks);
    const barePlugin = bareWorkspace(tasks, { withPlugin: true });
    bares.push(bare, barePlugin);
    const runBare = (root: string, daemon: boolean) =>
      timedProcess(join(root, 'node_modules', '.bin', 'nx'), ['run-many', '-t', 'run', '--output-style=stream'], root, nxEnv(join(root, BARE_CACHE), daemon));
    runBare(bare, false);
    runBare(barePlugin, false);
    withoutPlugin.write('nx.json', { ...JSON.parse(withoutPlugin.read('nx.json')), plugins: [] });
    console.log(`bench/overhead: ${rounds} interleaved rounds; load average ${loadAverage()} (1, 5, 15 min) at the start`);
    console.log(
      `penguins: ${tasks} run tasks (the push included), bare Nx: ${tasks} cached trivial targets; setup's second run executed: ${second.executed.join(', ') || 'nothing'}`,
    );

    const nx = (workspace: TempWorkspace, args: string[], daemon: boolean) =>
      timedProcess(workspace.path('node_modules', '.bin', 'nx'), args, workspace.root, nxEnv(workspace.cacheDir, daemon));
    const compareAll = (daemon: boolean) => {
      const label = daemon ? 'daemon on' : 'daemon off';
      compare(`cached rerun, ${label}: penguins pipeline vs bare Nx (and bare Nx with an empty plugin: ReproML's hooks, doing nothing)`, rounds, [
        { name: 'ReproML', run: () => nx(penguins, runPenguins, daemon) },
        { name: 'bare Nx', run: () => runBare(bare, daemon) },
        { name: 'bare Nx + empty plugin', run: () => runBare(barePlugin, daemon) },
      ]);
      compare(`nx show projects, ${label}: with the plugin vs without`, rounds, [
        { name: 'ReproML', run: () => nx(penguins, ['show', 'projects'], daemon) },
        { name: 'without the plugin', run: () => nx(withoutPlugin, ['show', 'projects'], daemon) },
      ]);
    };
    compareAll(false);
    // Working with uncommitted changes: a file outside every stage's chain (the restores' dirty flags need each chain).
    penguins.write('notes.txt', 'uncommitted\n');
    compare('cached rerun, daemon off, an uncommitted file outside every stage chain: penguins vs bare Nx', rounds, [
      { name: 'ReproML', run: () => nx(penguins, runPenguins, false) },
      { name: 'bare Nx', run: () => runBare(bare, false) },
    ]);
    rmSync(penguins.path('notes.txt'));
    // The Nx daemon (on for users, off in tests and CI): the same commands through it, once each daemon is up.
    for (const [cwd, cacheDir] of [
      [penguins.root, penguins.cacheDir],
      [withoutPlugin.root, withoutPlugin.cacheDir],
      [bare, join(bare, BARE_CACHE)],
      [barePlugin, join(barePlugin, BARE_CACHE)],
    ] as const) {
      daemons.push({ cwd, nx: join(cwd, 'node_modules', '.bin', 'nx'), cacheDir });
      timedProcess(join(cwd, 'node_modules', '.bin', 'nx'), ['show', 'projects'], cwd, nxEnv(cacheDir, true));
    }
    compareAll(true);
    const bin = join(REPO_ROOT, 'packages', 'cli', 'bin', 'reproml.js');
    compare('reproml --help vs node -e 0', rounds, [
      { name: 'ReproML', run: () => timedProcess(process.execPath, [bin, '--help'], REPO_ROOT, process.env) },
      { name: 'node -e 0', run: () => timedProcess(process.execPath, ['-e', '0'], REPO_ROOT, process.env) },
    ]);
    console.log(`load average ${loadAverage()} (1, 5, 15 min) at the end`);
  } finally {
    for (const daemon of daemons) spawnSync(daemon.nx, ['daemon', '--stop'], { cwd: daemon.cwd, env: nxEnv(daemon.cacheDir, true) });
    penguins.remove();
    withoutPlugin.remove();
    for (const root of bares) rmSync(root, { recursive: true, force: true });
  }
}

main();
