import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PostTasksExecutionContext } from '@nx/devkit';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleBuildFoldersOfRestores } from './remove-stale-build-folders';

const DEAD_PID = 2 ** 22 + 12345; // above Linux's pid_max default: no such process

function result(project: string, projectRoot: string, status: string) {
  return { task: { id: `${project}:run`, target: { project, target: 'run' }, projectRoot, overrides: {}, outputs: [] }, status, code: 0 };
}

describe('removeStaleBuildFoldersOfRestores', () => {
  const root = mkdtempSync(join(tmpdir(), 'stale-build-folders-'));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('removes temp folders of dead processes beside the out/ of restored stages only', async () => {
    for (const stage of ['restored', 'executed']) {
      mkdirSync(join(root, 'pipelines/p', stage, 'out'), { recursive: true });
      mkdirSync(join(root, 'pipelines/p', stage, `.out.building-${DEAD_PID}-deadbeef`));
    }
    mkdirSync(join(root, 'pipelines/p/restored', `.out.building-${process.pid}-cafebabe`));
    const taskResults = {
      'p-restored:run': result('p-restored', 'pipelines/p/restored', 'remote-cache'),
      'p-executed:run': result('p-executed', 'pipelines/p/executed', 'success'),
    } as unknown as PostTasksExecutionContext['taskResults'];
    const removed = await removeStaleBuildFoldersOfRestores({ workspaceRoot: root, taskResults }, 'run');
    expect(removed).toEqual([`pipelines/p/restored/.out.building-${DEAD_PID}-deadbeef`]);
    expect(readdirSync(join(root, 'pipelines/p/restored')).sort()).toEqual([`.out.building-${process.pid}-cafebabe`, 'out']);
    // An executed stage cleaned up itself when it started; nothing of it is touched here.
    expect(readdirSync(join(root, 'pipelines/p/executed')).sort()).toEqual([`.out.building-${DEAD_PID}-deadbeef`, 'out']);
  });
});
