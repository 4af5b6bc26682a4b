import type { CreateDependencies, CreateNodesV2, PostTasksExecution } from '@nx/devkit';
import { STAGE_FILE_GLOB } from '../stage-file/stage-file-glob';
import { cachedGraphResult, commonKeyParts } from './graph-cache';
import { normalizeOptions, type ReproMLPluginOptions } from './plugin-options';
import { RESTORED_STATUSES } from './restored-statuses';

// What Nx loads from the plugin (index.ts): light wrappers. createNodes and createDependencies
// answer from graph-cache.ts when nothing they depend on changed, and load the stage kinds (zod
// and every kind's schema) only to compute; postTasksExecution loads its modules only when the
// command restored a stage from a cache.

/** The folder of the plugin package (`plugins/nx`), from this file's place in its sources or in its dist/. */
const PLUGIN_DIR = __dirname.replace(/[\\/](?:dist[\\/])?src[\\/]plugin$/, '');

export const createNodesV2: CreateNodesV2<ReproMLPluginOptions> = [
  STAGE_FILE_GLOB,
  (stageFiles, options, context) => {
    const normalized = normalizeOptions(options);
    return cachedGraphResult({
      name: 'create-nodes',
      workspaceRoot: context.workspaceRoot,
      keyParts: [commonKeyParts(context.workspaceRoot, PLUGIN_DIR, options, normalized.kinds), [...stageFiles]],
      compute: async () => (await import('./create-nodes.ts')).createNodesV2[1](stageFiles, options, context),
      warn,
    });
  },
];

export const createDependencies: CreateDependencies<ReproMLPluginOptions> = (options, context) => {
  const projects = Object.entries(context.projects)
    .map(([name, project]) => [name, project.root])
    .sort(([a], [b]) => String(a).localeCompare(String(b)));
  return cachedGraphResult({
    name: 'create-dependencies',
    workspaceRoot: context.workspaceRoot,
    keyParts: [commonKeyParts(context.workspaceRoot, PLUGIN_DIR, options, normalizeOptions(options).kinds), projects],
    compute: async () => (await import('./create-dependencies.ts')).createDependencies(options, context),
    warn,
  });
};

export const postTasksExecution: PostTasksExecution<ReproMLPluginOptions> = async (options, context) => {
  const { runTargetName } = normalizeOptions(options);
  const restored = Object.values(context.taskResults).some((result) => result.task.target.target === runTargetName && RESTORED_STATUSES.has(result.status));
  if (!restored) return;
  await (await import('./post-tasks-execution.ts')).postTasksExecution(options, context);
};

/** Nx's logger, loaded only when a cached result has a warning to print again. */
function warn(message: string): void {
  (require('@nx/devkit') as typeof import('@nx/devkit')).logger.warn(message);
}
