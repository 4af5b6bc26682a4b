import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Splits the tasks of one Nx run across N CI jobs, per dependency level (README "More than one
 * machine"). Nx computes the task graph (`nx affected -t run --graph=tasks.json`); this only
 * cuts it: a task's level is the length of the longest chain of tasks below it, and the tasks
 * of one level are dealt to the N shards in the order of the sha256 of their id. Job (level k,
 * shard i) runs its tasks with `nx run-many -t run -p …` after every job of level k-1 finished:
 * their results are in the team remote cache, so Nx restores the upstream outputs a task reads
 * instead of running them again. Nx, the CI job matrix and the cache server do the rest.
 * Run: node -r @swc-node/register tools/ci/shard-plan.ts --graph tasks.json --count N --index i --level k
 */

/** The part of Nx's `--graph=<file>.json` output the planner reads. */
export interface NxTaskGraphFile {
  tasks: {
    tasks: Record<string, { target: { project: string; target: string }; cache?: boolean; outputs?: string[] }>;
    dependencies: Record<string, string[]>;
  };
}

export interface ShardPlan {
  count: number;
  /** levels[k][i]: the task ids shard i runs at level k (sorted). */
  levels: string[][][];
}

/** The level of every task: 0 without dependencies, else one more than its highest dependency. */
export function taskLevels(graph: NxTaskGraphFile): Map<string, number> {
  const levels = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (task: string): number => {
    const known = levels.get(task);
    if (known !== undefined) return known;
    if (visiting.has(task)) throw new Error(`the task graph has a cycle through ${task}`);
    visiting.add(task);
    const dependencies = (graph.tasks.dependencies[task] ?? []).filter((dependency) => dependency in graph.tasks.tasks);
    const level = dependencies.length === 0 ? 0 : 1 + Math.max(...dependencies.map(levelOf));
    visiting.delete(task);
    levels.set(task, level);
    return level;
  };
  for (const task of Object.keys(graph.tasks.tasks).sort()) levelOf(task);
  return levels;
}

/** The stable order tasks are dealt in: by sha256 of the task id, not by name, so shards mix pipelines. */
function dealOrder(tasks: string[]): string[] {
  const key = (task: string) => createHash('sha256').update(task).digest('hex');
  return [...tasks].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Deterministic and balanced: the same task graph gives every job the same plan, and at each
 * level the shards' task counts differ by at most one.
 */
export function planShards(graph: NxTaskGraphFile, count: number): ShardPlan {
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got ${count}`);
  const levels = taskLevels(graph);
  const depth = levels.size === 0 ? 0 : Math.max(...levels.values()) + 1;
  const plan: string[][][] = Array.from({ length: depth }, () => Array.from({ length: count }, () => []));
  for (let level = 0; level < depth; level++) {
    const tasks = [...levels].filter(([, l]) => l === level).map(([task]) => task);
    dealOrder(tasks).forEach((task, position) => plan[level]![position % count]!.push(task));
    for (const shard of plan[level]!) shard.sort();
  }
  return { count, levels: plan };
}

/**
 * The projects shard `index` runs at `level`; `fromLevel` merges every level from there on (a
 * workflow with a fixed number of level jobs gives the rest to its last one: Nx then runs in
 * order whatever upstream task another shard has not stored yet, so the result is the same).
 */
export function shardProjects(graph: NxTaskGraphFile, plan: ShardPlan, index: number, level: number, fromLevel = false): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= plan.count) throw new Error(`--index must be 0..${plan.count - 1}, got ${index}`);
  const levels = fromLevel ? plan.levels.slice(level) : plan.levels.slice(level, level + 1);
  const tasks = levels.flatMap((shards) => shards[index]!);
  return [...new Set(tasks.map((task) => graph.tasks.tasks[task]!.target.project))].sort();
}

/** Projects whose task Nx does not cache (push): a job that only restores results must exclude them. */
export function uncachedProjects(graph: NxTaskGraphFile): string[] {
  return Object.values(graph.tasks.tasks)
    .filter((task) => task.cache === false)
    .map((task) => task.target.project)
    .sort();
}

interface CliArgs {
  graph: string;
  count: number;
  index?: number;
  level?: number;
  fromLevel: boolean;
}

function parseArgs(argv: string[]): CliArgs {
  const value = (name: string) => {
    const at = argv.indexOf(name);
    return at === -1 ? undefined : argv[at + 1];
  };
  const graph = value('--graph');
  if (!graph) throw new Error('usage: shard-plan.ts --graph tasks.json --count N [--index i --level k[+]]');
  const level = value('--level');
  return {
    graph,
    count: Number(value('--count') ?? 1),
    index: value('--index') === undefined ? undefined : Number(value('--index')),
    level: level === undefined ? undefined : Number(level.replace(/\+$/, '')),
    fromLevel: level?.endsWith('+') ?? false,
  };
}

/**
 * With --index and --level: the comma-separated projects for `nx run-many -p` (empty: nothing to
 * do). Without: the whole plan as JSON (`depth`: its number of levels, for the workflow's level
 * jobs; `uncached`: the projects a restore-only job excludes).
 */
function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const graph = JSON.parse(readFileSync(args.graph, 'utf8')) as NxTaskGraphFile;
  const plan = planShards(graph, args.count);
  if (args.index === undefined || args.level === undefined) {
    process.stdout.write(`${JSON.stringify({ depth: plan.levels.length, uncached: uncachedProjects(graph), ...plan })}\n`);
    return;
  }
  process.stdout.write(`${shardProjects(graph, plan, args.index, args.level, args.fromLevel).join(',')}\n`);
}

if (require.main === module) main();
