/**
 * bench/shards: wall time of one CI job against three runners splitting the same run per
 * dependency level (tools/ci/shard-plan.ts), outputs carried by one reproml-cache server.
 *   node -r @swc-node/register bench/shards/run.ts [--rounds 3]
 * See README.md in this folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CacheServerProcess, READ_WRITE_TOKEN } from '../../test/support/cache-server-process';
import { addSweep, runShards, runTaskGraph } from '../../test/support/shard-simulation';
import { TempWorkspace, taskOutcomes } from '../../test/support/temp-workspace';

const RUNNERS = 3;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

function summary(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** A fresh cache server (empty store) for one measurement; stopped and removed by the caller. */
async function freshServer(): Promise<{ server: CacheServerProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'reproml-bench-shards-'));
  return { server: await CacheServerProcess.start({ dir: join(dir, 'store'), logFile: join(dir, 'access.log') }), dir };
}

/** One CI job: a fresh clone runs every stage in one `nx run-many`, uploading to an empty team cache. */
async function oneRunner(repository: TempWorkspace, expected: string[]): Promise<number> {
  const runner = TempWorkspace.cloneFrom(repository, { label: 'bench-shards-one' });
  const { server, dir } = await freshServer();
  try {
    const start = performance.now();
    const result = await runner.nxAsync(['run-many', '-t', 'run', '--output-style=stream'], server.nxEnv(READ_WRITE_TOKEN));
    const seconds = (performance.now() - start) / 1000;
    if (result.status !== 0) throw new Error(result.output);
    if (taskOutcomes(result.output).executed.join() !== expected.join()) throw new Error(`one runner did not execute every task:\n${result.output}`);
    return seconds;
  } finally {
    await server.stop();
    runner.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Three fresh clones, level by level, each level's shards in parallel processes. */
async function threeRunners(repository: TempWorkspace, graph: ReturnType<typeof runTaskGraph>, expected: string[]): Promise<number> {
  const runners = Array.from({ length: RUNNERS }, (_, i) => TempWorkspace.cloneFrom(repository, { label: `bench-shards-${i}` }));
  const { server, dir } = await freshServer();
  try {
    const run = await runShards(runners, server, graph);
    if (run.executed.flat(2).sort().join() !== expected.join()) throw new Error('the shards did not execute every task exactly once');
    return run.wallMs / 1000;
  } finally {
    await server.stop();
    for (const runner of runners) runner.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rounds = option('rounds', 3);
  const repository = TempWorkspace.create({ label: 'bench-shards', pipelines: ['penguins'] });
  try {
    addSweep(repository);
    repository.commitAll('sweep');
    const graph = runTaskGraph(repository);
    const expected = Object.keys(graph.tasks.tasks).sort();
    console.log(
      `workload: penguins pipeline + a 12-point sweep and its evaluation = ${expected.length} tasks; ${RUNNERS} runners; ${cpus().length} cores; load at start ${load()}`,
    );
    const one: number[] = [];
    const three: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Interleaved, and the order flips every round, so a load change hits both sides alike.
      const order = round % 2 === 0 ? ['one', 'three'] : ['three', 'one'];
      for (const side of order) {
        if (side === 'one') one.push(await oneRunner(repository, expected));
        else three.push(await threeRunners(repository, graph, expected));
      }
      console.log(`round ${round + 1}: 1 runner ${one[round]!.toFixed(1)} s, ${RUNNERS} runners ${three[round]!.toFixed(1)} s (load ${load()})`);
    }
    const ratios = three.map((seconds, round) => seconds / one[round]!);
    const [a, b, r] = [summary(one), summary(three), summary(ratios)];
    console.log(`1 runner : median ${a.median.toFixed(1)} s (min ${a.min.toFixed(1)}, max ${a.max.toFixed(1)})`);
    console.log(`${RUNNERS} runners: median ${b.median.toFixed(1)} s (min ${b.min.toFixed(1)}, max ${b.max.toFixed(1)})`);
    console.log(
      `wall-time ratio ${RUNNERS} runners / 1 runner: median ${r.median.toFixed(2)} (min ${r.min.toFixed(2)}, max ${r.max.toFixed(2)}); load at end ${load()}`,
    );
    console.log(`uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
  } finally {
    repository.remove();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
