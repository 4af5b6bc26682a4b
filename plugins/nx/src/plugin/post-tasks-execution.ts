import type { PostTasksExecution } from '@nx/devkit';
import { nxWarn } from './nx-warn';
import { normalizeOptions, type ReproMLPluginOptions } from './plugin-options';
import { postTasksExecution as recordCacheRestores } from './record-cache-restores';
import { removeStaleBuildFoldersOfRestores } from './remove-stale-build-folders';

/**
 * What the plugin does after every `nx run`/`run-many`, for the stages Nx restored from a
 * cache: remove temp folders a killed run left beside their `out/`, then record the restores.
 * Never fails the command.
 */
export const postTasksExecution: PostTasksExecution<ReproMLPluginOptions> = async (options, context) => {
  try {
    await removeStaleBuildFoldersOfRestores(context, normalizeOptions(options).runTargetName);
  } catch (error) {
    nxWarn(`warning: stale build folders not removed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await recordCacheRestores(options, context);
};
