import type { CreateDependencies, CreateNodesV2, PostTasksExecution } from '@nx/devkit';
import { STAGE_FILE_GLOB } from '../stage-file/stage-file-glob';
import { cachedGraphResult, pluginKeyParts } from './graph-cache';
import { nxWarn } from './nx-warn';
import { normalizeOptions, type ReproMLPluginOptions } from './plugin-options';
import { RESTORED_STATUSES } from './restored-statuses';

// What Nx loads from the plugin (index.ts): light wrappers. createNodes and createDependencies
// answer from graph-cache.ts when nothing they depend on changed, and load the stage kinds (zod
// and every kind's schema) only to compute; postTasksExecution loads its modules only when the
// command restored a stage from a cache.

export const createNodesV2: CreateNodesV2<ReproMLPluginOptions> = [
  STAGE_FILE_GLOB,
  (stageFiles, options, context) => {
    const normalized = normalizeOptions(options);
    return cachedGraphResult({
      name: 'create-nodes',
      workspaceRoot: context.workspaceRoot,
      keyParts: [pluginKeyParts(context.workspaceRoot, options, normalized.kinds), [...stageFiles]],
      compute: async () => (await import('./create-nodes.ts')).createNodesV2[1](stageFiles, options, context),
      warn: nxWarn,
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
    keyParts: [pluginKeyParts(context.workspaceRoot, options, normalizeOptions(options).kinds), projects],
    compute: async () => (await import('./create-dependencies.ts')).createDependencies(options, context),
    warn: nxWarn,
  });
};

export const postTasksExecution: PostTasksExecution<ReproMLPluginOptions> = async (options, context) => {
  const { runTargetName } = normalizeOptions(options);
  const restored = Object.values(context.taskResults).some((result) => result.task.target.target === runTargetName && RESTORED_STATUSES.has(result.status));
  if (!restored) return;
  await (await import('./post-tasks-execution.ts')).postTasksExecution(options, context);
};
