import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore, type SqliteDriver } from '../packages/tracking/src';
import { DEMO_STAGES, writeDemoPipeline } from './support/demo-pipeline';
import { snapshotFiles } from './support/output-snapshot';
import { TempWorkspace, taskOutcomes } from './support/temp-workspace';

const RUN_ALL = ['run-many', '-t', 'run', '--output-style=stream'];
const OUT_DIRS = ['data', 'extra', 'stats', 'report'].map((stage) => `pipelines/demo/${stage}/out`);
const sqlite = createRequire(require.resolve('../packages/tracking/package.json'))('better-sqlite3') as SqliteDriver;

/** Every stage execution and every cache restore lands in the run store, and a broken store never breaks a run. */
describe('run tracking (real nx CLI)', () => {
  let workspace: TempWorkspace;
  let env: Record<string, string>;

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'tracking' });
    writeDemoPipeline(workspace);
    workspace.commitAll('demo pipeline');
    // Stages record in parallel (Nx runs up to three tasks at once): the default busy timeout applies.
    env = { REPROML_TRACKING_DB: `${workspace.root}.runs.sqlite` };
  });
  afterAll(() => {
    workspace?.remove();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${env.REPROML_TRACKING_DB}${suffix}`, { force: true });
  });

  const readRuns = async () => {
    const store = await RunStore.open({ path: env.REPROML_TRACKING_DB!, readonly: true });
    try {
      return (await store.list()).reverse();
    } finally {
      await store.close();
    }
  };

  it('records each executed stage, then each cache restore marked as such with the same Nx task hash', async () => {
    const head = workspace.git('rev-parse', 'HEAD').trim();
    expect(taskOutcomes(workspace.nxOk(RUN_ALL, env)).executed).toHaveLength(4);
    const executed = await readRuns();
    expect(executed.map((run) => run.project).sort()).toEqual(DEMO_STAGES);
    for (const run of executed) {
      expect(run).toMatchObject({ origin: 'executed', status: 'succeeded', gitCommit: head, gitDirty: false, pipeline: 'demo' });
      expect(run.taskHash).toMatch(/^\d+$/);
    }
    const stats = executed.find((run) => run.project === 'demo-stats')!;
    expect(stats.params).toMatchObject({ kind: 'script', params: { column: 'value' } });

    expect(taskOutcomes(workspace.nxOk(RUN_ALL, env)).cached).toHaveLength(4);
    const restores = (await readRuns()).slice(4);
    expect(restores.map((run) => run.project).sort()).toEqual(DEMO_STAGES);
    for (const run of restores) {
      expect(run).toMatchObject({ origin: 'cache', cacheSource: expect.stringMatching(/cache/), status: 'succeeded' });
      expect(run.taskHash).toBe(executed.find((first) => first.project === run.project)!.taskHash);
    }
    const store = await RunStore.open({ path: env.REPROML_TRACKING_DB!, readonly: true });
    const data = (await store.get(restores.find((run) => run.project === 'demo-data')!.id))!;
    await store.close();
    expect(data.datasets).toEqual([expect.objectContaining({ stage: 'demo-data', key: 'measurements', revision: null })]);
    expect(data.artifacts.map((artifact) => artifact.path)).toContain('measurements.csv');
  });

  it('records a failed stage as failed, with its error', async () => {
    workspace.write('pipelines/demo/stats/stats.ts', 'export default async function stats(): Promise<void> { throw new Error("stats exploded"); }\n');
    expect(workspace.nx(['run', 'demo-stats:run', '--output-style=stream'], env).status).not.toBe(0);
    const failed = (await readRuns()).at(-1)!;
    expect(failed).toMatchObject({ project: 'demo-stats', origin: 'executed', status: 'failed', gitDirty: true });
    expect(failed.error).toMatch(/stats exploded/);
    workspace.git('checkout', '--', 'pipelines/demo/stats/stats.ts');
  });

  it('marks a run dirty when a file its stage chain hashes is uncommitted (untracked included), not for files it does not depend on', async () => {
    workspace.nxOk(['run', 'demo-stats:run'], env);
    // An untracked file in the stage folder: the stage reruns (it is an input) and the run is dirty.
    workspace.write('pipelines/demo/stats/helper.txt', 'not committed');
    workspace.write('notes/todo.txt', 'unrelated and untracked');
    expect(workspace.nx(['run', 'demo-stats:run', '--output-style=stream'], env).status).toBe(0);
    expect((await readRuns()).at(-1)).toMatchObject({ project: 'demo-stats', origin: 'executed', gitDirty: true });
    // Without it, the restore from the cache is clean, although the tree still has an untracked file elsewhere.
    rmSync(workspace.path('pipelines/demo/stats/helper.txt'));
    expect(taskOutcomes(workspace.nxOk(['run', 'demo-stats:run', '--output-style=stream'], env)).cached).toContain('demo-stats:run');
    expect((await readRuns()).at(-1)).toMatchObject({ project: 'demo-stats', origin: 'cache', gitDirty: false });
    // The same rule for an executed run: the untracked file elsewhere does not make it dirty.
    workspace.nxOk(['run', 'demo-stats:run', '--skip-nx-cache', '--output-style=stream'], env);
    expect((await readRuns()).at(-1)).toMatchObject({ project: 'demo-stats', origin: 'executed', gitDirty: false });
    rmSync(workspace.path('notes'), { recursive: true });
  });

  it('a locked store: the pipeline still runs, with a warning, and writes the same artifacts', async () => {
    workspace.nxOk(RUN_ALL, env);
    const before = snapshotFiles(workspace.root, OUT_DIRS);
    const count = (await readRuns()).length;
    const holder = new sqlite(env.REPROML_TRACKING_DB!);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      // A short busy timeout, so that four stages waiting on the lock do not slow the test down.
      const output = workspace.nxOk([...RUN_ALL, '--skip-nx-cache'], { ...env, REPROML_TRACKING_BUSY_TIMEOUT_MS: '300' });
      expect(taskOutcomes(output).executed).toHaveLength(4);
      expect(output).toMatch(/run not recorded \(the stage itself is unaffected\)[\s\S]*locked by another process/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(snapshotFiles(workspace.root, OUT_DIRS)).toEqual(before);
    expect(await readRuns()).toHaveLength(count);
  });

  it('a corrupted store: the pipeline still runs, with a warning naming the file and the fix', async () => {
    const before = snapshotFiles(workspace.root, OUT_DIRS);
    for (const suffix of ['-wal', '-shm']) rmSync(`${env.REPROML_TRACKING_DB}${suffix}`, { force: true });
    writeFileSync(env.REPROML_TRACKING_DB!, Buffer.alloc(16384, 0x5a));
    const output = workspace.nxOk([...RUN_ALL, '--skip-nx-cache'], env);
    expect(taskOutcomes(output).executed).toHaveLength(4);
    expect(output).toContain(`the run store ${env.REPROML_TRACKING_DB} is not a readable SQLite database`);
    expect(output).toContain('Move it away');
    expect(snapshotFiles(workspace.root, OUT_DIRS)).toEqual(before);
    // Cache restores hit the same store problem: a warning, and still success.
    expect(workspace.nxOk(RUN_ALL, env)).toMatch(/cache restores? not recorded|run not recorded/);
  });
});
