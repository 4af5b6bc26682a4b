import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type NxTaskGraphFile, planShards, shardProjects, taskLevels, uncachedProjects } from './shard-plan';

/** A task graph as Nx writes it, from `task: [dependencies]`. */
function graphOf(dependencies: Record<string, string[]>): NxTaskGraphFile {
  const tasks = Object.fromEntries(Object.keys(dependencies).map((id) => [id, { target: { project: id.split(':')[0]!, target: 'run' }, cache: true }]));
  return { tasks: { tasks, dependencies } };
}

/** data → preprocess → 8 independent trains → evaluate of train-0; batch on its own. */
const SWEEP = graphOf({
  'p-data:run': [],
  'p-batch:run': [],
  'p-preprocess:run': ['p-data:run'],
  ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`p-train-${i}:run`, ['p-preprocess:run']])),
  'p-evaluate:run': ['p-preprocess:run', 'p-train-0:run'],
});

describe('shard plan (tools/ci/shard-plan.ts)', () => {
  it('puts each task one level above its highest dependency', () => {
    const levels = taskLevels(SWEEP);
    expect(levels.get('p-data:run')).toBe(0);
    expect(levels.get('p-batch:run')).toBe(0);
    expect(levels.get('p-preprocess:run')).toBe(1);
    expect(levels.get('p-train-5:run')).toBe(2);
    // Depends on level 1 and level 2: the longer chain decides.
    expect(levels.get('p-evaluate:run')).toBe(3);
  });

  it('runs every task exactly once, balanced per level, each after all of its dependencies', () => {
    const plan = planShards(SWEEP, 3);
    expect(plan.levels).toHaveLength(4);
    const all = plan.levels.flat(2);
    expect(all.sort()).toEqual(Object.keys(SWEEP.tasks.tasks).sort());
    for (const shards of plan.levels) {
      const sizes = shards.map((tasks) => tasks.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(plan.levels[2]!.map((tasks) => tasks.length)).toEqual([3, 3, 2]);
    const levelOf = new Map(plan.levels.flatMap((shards, level) => shards.flat().map((task) => [task, level] as const)));
    for (const [task, dependencies] of Object.entries(SWEEP.tasks.dependencies)) {
      for (const dependency of dependencies) expect(levelOf.get(dependency)!).toBeLessThan(levelOf.get(task)!);
    }
  });

  it('is deterministic: the same graph in another key order gives the same plan; the deal does not follow names', () => {
    const reversed: NxTaskGraphFile = {
      tasks: {
        tasks: Object.fromEntries(Object.entries(SWEEP.tasks.tasks).reverse()),
        dependencies: Object.fromEntries(Object.entries(SWEEP.tasks.dependencies).reverse()),
      },
    };
    expect(planShards(reversed, 3)).toEqual(planShards(SWEEP, 3));
    // Dealt by sha256 of the id: not simply train-0,3,6 / 1,4,7 / 2,5.
    expect(planShards(SWEEP, 3).levels[2]).not.toEqual([
      ['p-train-0:run', 'p-train-3:run', 'p-train-6:run'],
      ['p-train-1:run', 'p-train-4:run', 'p-train-7:run'],
      ['p-train-2:run', 'p-train-5:run'],
    ]);
  });

  it('one shard gets everything; more shards than tasks leave some empty', () => {
    expect(planShards(SWEEP, 1).levels.map((shards) => shards[0]!.length)).toEqual([2, 1, 8, 1]);
    const wide = planShards(SWEEP, 5);
    expect(wide.levels[1]!.filter((tasks) => tasks.length === 0)).toHaveLength(4);
  });

  it('lists the projects of one job, or of every level from one on (the last level job of a workflow)', () => {
    const plan = planShards(SWEEP, 2);
    const level2 = [0, 1].flatMap((index) => shardProjects(SWEEP, plan, index, 2));
    expect(level2.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `p-train-${i}`));
    const rest = [0, 1].flatMap((index) => shardProjects(SWEEP, plan, index, 2, true));
    expect(rest.sort()).toEqual([...level2, 'p-evaluate'].sort());
    expect(shardProjects(SWEEP, plan, 0, 7)).toEqual([]);
  });

  it('names the projects Nx does not cache', () => {
    const withPush = graphOf({ 'p-data:run': [], 'p-push:run': ['p-data:run'] });
    withPush.tasks.tasks['p-push:run']!.cache = false;
    expect(uncachedProjects(withPush)).toEqual(['p-push']);
  });

  it('refuses a cycle, a bad count and an index out of range, naming what is wrong', () => {
    expect(() => taskLevels(graphOf({ 'a:run': ['b:run'], 'b:run': ['a:run'] }))).toThrow(/cycle through/);
    expect(() => planShards(SWEEP, 0)).toThrow(/--count must be a positive integer/);
    expect(() => shardProjects(SWEEP, planShards(SWEEP, 3), 3, 0)).toThrow(/--index must be 0\.\.2/);
  });

  it('the command prints the comma-separated projects for `nx run-many -p`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reproml-shard-plan-'));
    try {
      const file = join(dir, 'tasks.json');
      writeFileSync(file, JSON.stringify(SWEEP));
      const run = (...args: string[]) =>
        execFileSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'shard-plan.ts'), '--graph', file, ...args], { encoding: 'utf8' });
      const plan = planShards(SWEEP, 3);
      expect(run('--count', '3', '--index', '1', '--level', '2').trim()).toBe(shardProjects(SWEEP, plan, 1, 2).join(','));
      expect(run('--count', '3', '--index', '0', '--level', '1+').trim()).toBe(shardProjects(SWEEP, plan, 0, 1, true).join(','));
      const whole = JSON.parse(run('--count', '3'));
      expect(whole.depth).toBe(4);
      expect(whole.uncached).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
