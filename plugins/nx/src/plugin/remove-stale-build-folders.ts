import { join } from 'node:path';
import type { PostTasksExecutionContext } from '@nx/devkit';
import { locationOutputDir, parseStageRoot, removeStaleTempSiblings } from '@reproml/core/layout';
import { RESTORED_STATUSES } from './restored-statuses';

/**
 * A stage killed with SIGKILL leaves its temp folder (`.out.building-<pid>-…`) beside `out/`.
 * The next execution of the stage removes it (`writeDirectoryAtomic`), but a stage that is
 * restored from a cache from then on never executes: so after every restore, temp siblings
 * of its `out/` whose process is gone are removed here too. Returns the folders removed.
 */
export async function removeStaleBuildFoldersOfRestores(
  context: Pick<PostTasksExecutionContext, 'taskResults' | 'workspaceRoot'>,
  runTargetName: string,
): Promise<string[]> {
  const removed: string[] = [];
  for (const result of Object.values(context.taskResults)) {
    const { task } = result;
    if (task.target.target !== runTargetName || !RESTORED_STATUSES.has(result.status)) continue;
    const location = parseStageRoot(task.projectRoot ?? '');
    if (!location) continue;
    const out = locationOutputDir(location);
    for (const name of await removeStaleTempSiblings(join(context.workspaceRoot, out))) removed.push(join(out, '..', name));
  }
  return removed;
}
