import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NxTaskGraphFile, planShards } from '../tools/ci/shard-plan';
import { CacheServerProcess, READ_ONLY_TOKEN } from './support/cache-server-process';
import { snapshotFiles } from './support/output-snapshot';
import { addSweep, runShards, runTaskGraph, type ShardedRun } from './support/shard-simulation';
import { stageTasks } from './support/stage-tasks';
import { TempWorkspace, taskOutcomes, tasksFromRemoteCache } from './support/temp-workspace';

const RUNNERS = 3;

/** The output folders of the tasks, as Nx records them in the task graph (each stage's out/). */
function outDirs(graph: NxTaskGraphFile, tasks: string[]): string[] {
  return tasks.flatMap((task) => graph.tasks.tasks[task]!.outputs ?? []);
}

describe("CI across three runners: a sweep's shards per dependency level, outputs carried by reproml-cache", () => {
  let serverDir: string;
  let server: CacheServerProcess;
  let repository: TempWorkspace;
  let graph: NxTaskGraphFile;
  let allTasks: string[];
  let single: TempWorkspace;
  let sweep: string;
  let sharded: ShardedRun;
  const runners: TempWorkspace[] = [];
  const clones: TempWorkspace[] = [];
  const clone = (label: string) => {
    const created = TempWorkspace.cloneFrom(repository, { label });
    clones.push(created);
    return created;
  };

  beforeAll(async () => {
    // The penguins pipeline plus a 12-point sweep (12 independent projects on one level) and its evaluation.
    repository = TempWorkspace.create({ label: 'shards', pipelines: ['penguins'] });
    clones.push(repository);
    sweep = addSweep(repository);
    repository.commitAll('sweep');
    graph = runTaskGraph(repository);
    allTasks = Object.keys(graph.tasks.tasks).sort();

    // One machine: every stage in one nx run, no remote cache.
    single = clone('shards-single');
    expect(taskOutcomes(single.nxOk(['run-many', '-t', 'run', '--output-style=stream'])).executed).toEqual(allTasks);

    serverDir = mkdtempSync(join(tmpdir(), 'reproml-shards-cache-'));
    server = await CacheServerProcess.start({ dir: join(serverDir, 'store'), logFile: join(serverDir, 'access.log') });
    for (let i = 0; i < RUNNERS; i++) runners.push(clone(`shards-runner-${i}`));
    sharded = await runShards(runners, server, graph);
  });
  afterAll(async () => {
    await server?.stop();
    for (const created of clones) created.remove();
    if (serverDir) rmSync(serverDir, { recursive: true, force: true });
  });

  it('every runner computes the same plan from its own clone; it has the pipeline depth and uses all three runners', () => {
    for (const runner of runners) expect(planShards(runTaskGraph(runner), RUNNERS)).toEqual(sharded.plan);
    // data/batch → preprocess → 12 points + train + train-gbdt → selection/evaluate/predict/drift/evaluate-gbdt → evaluate-sweep/push
    expect(sharded.plan.levels).toHaveLength(5);
    const points = allTasks.filter((task) => task.startsWith(`${sweep}--`));
    expect(points).toHaveLength(12);
    expect(sharded.plan.levels[2]!.flat().sort()).toEqual([...points, 'penguins-train-gbdt:run', 'penguins-train:run'].sort());
    expect(sharded.plan.levels[2]!.map((tasks) => tasks.length)).toEqual([5, 5, 4]);
    // Every runner trains some of the sweep's points.
    for (const shard of sharded.plan.levels[2]!) expect(shard.some((task) => task.startsWith(`${sweep}--`))).toBe(true);
    expect(sharded.plan.levels[3]!.flat()).toContain(`${sweep}:run`);
  });

  it('each task is executed exactly once, by the runner and at the level the plan gives it; upstream outputs are restored', () => {
    expect(sharded.executed).toEqual(sharded.plan.levels);
    expect(sharded.executed.flat(2).sort()).toEqual(allTasks);
    // What a runner restored is what earlier levels produced (on any runner), never its own level's work.
    sharded.restored.forEach((shards, level) => {
      const earlier = new Set(sharded.plan.levels.slice(0, level).flat(2));
      for (const tasks of shards) for (const task of tasks) expect(earlier.has(task), `${task} at level ${level}`).toBe(true);
    });
    expect(sharded.restored[0]!.flat()).toEqual([]);
    expect(sharded.restored[3]!.flat().length).toBeGreaterThan(0);
  });

  it('the outputs each runner produced are byte-identical to the one-machine run, the selection included', () => {
    const winner = JSON.parse(single.read('pipelines/penguins/train-sweep/out/sweep.json')).winner;
    const selector = runners.find((runner) => runner.exists('pipelines/penguins/train-sweep/out/sweep.json'))!;
    expect(JSON.parse(selector.read('pipelines/penguins/train-sweep/out/sweep.json')).winner).toBe(winner);
    runners.forEach((runner, index) => {
      const mine = outDirs(
        graph,
        sharded.executed.flatMap((shards) => shards[index]!),
      );
      expect(mine.length).toBeGreaterThan(0);
      expect(snapshotFiles(runner.root, mine)).toEqual(snapshotFiles(single.root, mine));
    });
  });

  it('afterwards a fresh clone restores every cacheable stage from the team cache, byte-identical to one machine', () => {
    const fresh = clone('shards-after');
    // Its push runs: a fresh clone's registry is empty, so no push result of another runner is a hit for it.
    const tasks = stageTasks(fresh);
    expect(tasks.local).toEqual(['penguins-push:run']);
    const output = fresh.nxOk(['run-many', '-t', 'run', '--output-style=stream'], server.nxEnv(READ_ONLY_TOKEN));
    expect(tasksFromRemoteCache(output)).toEqual(tasks.cacheable);
    expect(taskOutcomes(output).executed).toEqual(tasks.local);
    const dirs = outDirs(graph, allTasks);
    const snapshot = snapshotFiles(fresh.root, dirs);
    expect(Object.keys(snapshot).length).toBeGreaterThan(allTasks.length);
    expect(snapshot).toEqual(snapshotFiles(single.root, dirs));
  });
});
