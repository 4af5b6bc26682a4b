import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type NxTaskGraphFile, planShards, type ShardPlan, shardProjects } from '../../tools/ci/shard-plan';
import { type CacheServerProcess, READ_WRITE_TOKEN } from './cache-server-process';
import { type TempWorkspace, taskOutcomes } from './temp-workspace';

/**
 * CI with N runners, simulated on one machine (README "More than one machine"): N clones of one
 * repository, each with its own Nx cache folder, one `reproml-cache` server on 127.0.0.1. Level
 * by level, every runner runs its shard of the plan (tools/ci/shard-plan.ts) at the same time,
 * as the jobs of one level of the workflow's matrix do; the next level starts when all finished.
 */

/** The task graph of `nx run-many -t run` in a workspace, as Nx computes it (`--graph=<file>.json`). */
export function runTaskGraph(workspace: TempWorkspace): NxTaskGraphFile {
  const file = join(mkdtempSync(join(tmpdir(), 'reproml-task-graph-')), 'tasks.json');
  try {
    workspace.nxOk(['run-many', '-t', 'run', `--graph=${file}`]);
    return JSON.parse(readFileSync(file, 'utf8')) as NxTaskGraphFile;
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

/**
 * A 12-point sweep on the penguins pipeline (README "Experiments"): a grid over two gbdt
 * settings, small models, the winner by validation loss, evaluated on the test split. Its points
 * are 12 independent projects on one dependency level; returns the sweep stage's project name.
 */
export function addSweep(workspace: TempWorkspace): string {
  workspace.write('pipelines/penguins/train-sweep/stage.json', {
    $schema: '../../../plugins/nx/schemas/stage.schema.json',
    kind: 'train',
    description: 'gbdt sweep: depth and learning rate, selected by validation loss',
    inputs: { features: 'preprocess' },
    seed: 7,
    model: { family: 'gbdt', nTrees: 30, maxDepth: 3, learningRate: 0.1, earlyStopping: { patience: 5 } },
    sweep: {
      grid: { 'model.maxDepth': [2, 3, 4], 'model.learningRate': [0.05, 0.1, 0.2, 0.3] },
      select: { metric: 'validationLoss' },
    },
  });
  workspace.write('pipelines/penguins/evaluate-sweep/stage.json', {
    $schema: '../../../plugins/nx/schemas/stage.schema.json',
    kind: 'evaluate',
    description: 'The selected point on the held-out test split',
    inputs: { model: 'train-sweep', features: 'preprocess' },
  });
  return 'penguins-train-sweep';
}

export interface ShardedRun {
  plan: ShardPlan;
  /** executed[level][runner]: the tasks that runner's nx executed at that level. */
  executed: string[][][];
  /** restored[level][runner]: the tasks it restored from a cache (the upstream outputs it read). */
  restored: string[][][];
  wallMs: number;
}

/** Runs the plan level by level, the runners of one level in parallel processes; throws on a failed job. */
export async function runShards(runners: TempWorkspace[], server: CacheServerProcess, graph: NxTaskGraphFile): Promise<ShardedRun> {
  const plan = planShards(graph, runners.length);
  const executed: string[][][] = [];
  const restored: string[][][] = [];
  const start = performance.now();
  for (let level = 0; level < plan.levels.length; level++) {
    const results = await Promise.all(
      runners.map(async (runner, index) => {
        const projects = shardProjects(graph, plan, index, level);
        if (projects.length === 0) return { executed: [], cached: [] };
        const result = await runner.nxAsync(['run-many', '-t', 'run', '-p', projects.join(','), '--output-style=stream'], server.nxEnv(READ_WRITE_TOKEN));
        if (result.status !== 0) throw new Error(`level ${level}, runner ${index} (${projects.join(',')}) failed:\n${result.output}`);
        return taskOutcomes(result.output);
      }),
    );
    executed.push(results.map((result) => result.executed));
    restored.push(results.map((result) => result.cached));
  }
  return { plan, executed, restored, wallMs: performance.now() - start };
}
