import { type CreateNodesV2, createNodesFromFiles, type TargetConfiguration } from '@nx/devkit';
import { ConfigError } from '@reproml/core';
import { type LoadedStage, loadStage, STAGE_FILE_GLOB } from '../stage-file/load-stage';
import { stageKindRegistry } from '../stage-file/stage-kinds';
import { invalidStageNode } from './invalid-stage-node';
import { type NormalizedOptions, normalizeOptions, type ReproMLPluginOptions } from './plugin-options';
import { stageRunInputs } from './stage-target-inputs';

export type { ReproMLPluginOptions } from './plugin-options';

/** The one executor of every stage target: it runs the stage kind's `run` (or one of its extra targets). */
export const STAGE_EXECUTOR = '@reproml/nx:stage';

/** One Nx project per stage file, named `<pipeline>-<stage>`. */
export const createNodesV2: CreateNodesV2<ReproMLPluginOptions> = [
  STAGE_FILE_GLOB,
  (stageFiles, options, context) =>
    createNodesFromFiles(
      (stageFile, pluginOptions, nodeContext) => {
        const normalized = normalizeOptions(pluginOptions);
        const registry = stageKindRegistry(nodeContext.workspaceRoot, normalized.kinds);
        let stage: LoadedStage;
        try {
          stage = loadStage(nodeContext.workspaceRoot, stageFile, registry);
        } catch (error) {
          // One invalid stage file must not take the whole graph (every other pipeline) down with it.
          if (error instanceof ConfigError) return invalidStageNode(stageFile, error, normalized);
          throw error;
        }
        return {
          projects: {
            [stage.root]: {
              name: stage.identity.name,
              root: stage.root,
              projectType: 'application',
              tags: [`pipeline:${stage.identity.pipeline}`, `stage:${stage.identity.kind}`],
              targets: stageTargets(nodeContext.workspaceRoot, stage, normalized),
              metadata: { description: stage.config.description ?? stage.kind.description },
            },
          },
        };
      },
      stageFiles,
      options,
      context,
    ),
];

function stageTargets(workspaceRoot: string, stage: LoadedStage, options: NormalizedOptions): Record<string, TargetConfiguration> {
  const targets: Record<string, TargetConfiguration> = {
    [options.runTargetName]: {
      executor: STAGE_EXECUTOR,
      options: { stageFile: stage.identity.file },
      cache: stage.kind.cache,
      dependsOn: [`^${options.runTargetName}`],
      inputs: stageRunInputs(workspaceRoot, stage),
      outputs: [`{projectRoot}/out`],
      // A heavy stage runs with no other task beside it, whatever --parallel says.
      ...(stage.config.heavy ? { parallelism: false } : {}),
      metadata: { description: `${stage.kind.description} (${stage.identity.kind} stage)`, technologies: ['reproml'] },
    },
  };
  for (const [name, target] of Object.entries(stage.kind.extraTargets)) {
    targets[name] = {
      executor: STAGE_EXECUTOR,
      options: { stageFile: stage.identity.file, target: name },
      cache: false,
      metadata: { description: target.description(stage.identity.name) },
    };
  }
  return targets;
}
