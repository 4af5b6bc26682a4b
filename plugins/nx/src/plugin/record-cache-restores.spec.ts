import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PostTasksExecutionContext } from '@nx/devkit';
import { RunStore } from '@reproml/tracking';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postTasksExecution } from './record-cache-restores';

describe('postTasksExecution', () => {
  let root: string;
  const previousDb = process.env.REPROML_TRACKING_DB;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'reproml-restores-'));
    mkdirSync(join(root, 'pipelines/p/data'), { recursive: true });
    writeFileSync(join(root, 'pipelines/p/data/stage.json'), JSON.stringify({ kind: 'pull', files: { a: { source: 'a.csv' } } }));
    process.env.REPROML_TRACKING_DB = join(root, 'runs.sqlite');
  });
  afterEach(() => {
    if (previousDb === undefined) delete process.env.REPROML_TRACKING_DB;
    else process.env.REPROML_TRACKING_DB = previousDb;
    rmSync(root, { recursive: true, force: true });
  });

  function restored(target: string, hash: string) {
    return {
      task: { id: `p-data:${target}`, target: { project: 'p-data', target }, projectRoot: 'pipelines/p/data', hash, startTime: 1_000, endTime: 1_500 },
      status: 'local-cache',
      code: 0,
    };
  }

  it('records restores of the configured run target (runTargetName), not of a target that happens to be called run', async () => {
    const context = {
      id: 'test',
      workspaceRoot: root,
      nxJsonConfiguration: {},
      taskResults: { 'p-data:build': restored('build', 'hash-build'), 'p-data:run': restored('run', 'hash-run') },
      argv: [],
      startTime: 1_000,
      endTime: 2_000,
    } as unknown as PostTasksExecutionContext;
    await postTasksExecution({ runTargetName: 'build' }, context);
    const store = await RunStore.open({ path: process.env.REPROML_TRACKING_DB! });
    try {
      expect((await store.list()).map((run) => [run.project, run.origin, run.taskHash])).toEqual([['p-data', 'cache', 'hash-build']]);
    } finally {
      await store.close();
    }
  });

  it('records every restore of the command in one go', async () => {
    mkdirSync(join(root, 'pipelines/p/other'), { recursive: true });
    writeFileSync(join(root, 'pipelines/p/other/stage.json'), JSON.stringify({ kind: 'pull', files: { b: { source: 'b.csv' } } }));
    const other = {
      ...restored('run', 'hash-other'),
      task: { ...restored('run', 'hash-other').task, id: 'p-other:run', target: { project: 'p-other', target: 'run' }, projectRoot: 'pipelines/p/other' },
    };
    const context = {
      id: 'test',
      workspaceRoot: root,
      nxJsonConfiguration: {},
      taskResults: { 'p-data:run': restored('run', 'hash-run'), 'p-other:run': other },
      argv: [],
      startTime: 1_000,
      endTime: 2_000,
    } as unknown as PostTasksExecutionContext;
    await postTasksExecution({}, context);
    const store = await RunStore.open({ path: process.env.REPROML_TRACKING_DB! });
    try {
      expect((await store.list()).map((run) => run.taskHash).sort()).toEqual(['hash-other', 'hash-run']);
    } finally {
      await store.close();
    }
  });
});
