import { type CreateNodesV2, createNodesFromFiles, type ProjectConfiguration, type TargetConfiguration } from '@nx/devkit';
import { ConfigError, describeSweepPoint, EXTERNAL_EFFECT_METADATA } from '@reproml/core';
import { STATE_INPUT_METADATA } from '../executors/stage/state-input-metadata';
import { type LoadedStage, loadStage, STAGE_FILE_GLOB } from '../stage-file/load-stage';
import { stageKindRegistry } from '../stage-file/stage-kinds';
import { invalidStageNode } from './invalid-stage-node';
import { type NormalizedOptions, normalizeOptions, type ReproMLPluginOptions } from './plugin-options';
import { stageRunInputs, stageStateInput } from './stage-target-inputs';

export type { ReproMLPluginOptions } from './plugin-options';

/** The one executor of every stage target: it runs the stage kind's `run` (or one of its extra targets). */
export const STAGE_EXECUTOR = '@reproml/nx:stage';
/** The same executor for a kind with a `stateInput`: Nx hashes its tasks with the state hasher (executors.json). */
export const STAGE_WITH_STATE_EXECUTOR = '@reproml/nx:stage-with-state';

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
        const projects: Record<string, ProjectConfiguration> = { [stage.root]: stageProject(nodeContext.workspaceRoot, stage, normalized) };
        for (const variant of stageVariants(stage)) projects[variant.root] = stageProject(nodeContext.workspaceRoot, variant, normalized);
        return { projects };
      },
      stageFiles,
      options,
      context,
    ),
];

/** A stage's sweep points and cross-validation folds (of the stage or of each point): a project each. */
export function stageVariants(stage: LoadedStage): LoadedStage[] {
  return [...(stage.folds ?? []), ...(stage.points ?? []).flatMap((point) => [point, ...(point.folds ?? [])])];
}

function stageProject(workspaceRoot: string, stage: LoadedStage, options: NormalizedOptions): ProjectConfiguration {
  const sweepTag = stage.points ? stage.identity.name : stage.point?.sweepStage;
  const cvTag = stage.folds ? stage.identity.name : stage.fold?.owner;
  return {
    name: stage.identity.name,
    root: stage.root,
    projectType: 'application',
    tags: [
      `pipeline:${stage.identity.pipeline}`,
      `stage:${stage.identity.kind}`,
      ...(sweepTag ? [`sweep:${sweepTag}`] : []),
      ...(cvTag ? [`cv:${cvTag}`] : []),
    ],
    targets: stageTargets(workspaceRoot, stage, options),
    metadata: { description: stageDescription(stage) },
  };
}

function stageDescription(stage: LoadedStage): string {
  const description = stage.config.description ?? stage.kind.description;
  if (stage.fold) return `cross-validation fold ${stage.fold.spec.index} of ${stage.fold.spec.folds} of ${stage.fold.owner}`;
  if (stage.point) return `${describeSweepPoint(stage.point.point)}: sweep point of ${stage.point.sweepStage} (${description})`;
  if (stage.points) return `${description} (selects the best of ${stage.points.length} sweep points)`;
  return description;
}

/**
 * A sweep point's or fold's `run` options carry its whole config (the stage file's, with the
 * point's settings) and its fold: Nx hashes a project's target configuration, so that is its
 * cache key, while the stage file itself (which lists every point) is not one of its inputs.
 */
function runOptions(stage: LoadedStage): Record<string, unknown> {
  if (!stage.point && !stage.fold) return { stageFile: stage.identity.file };
  const { $schema: _editorOnly, description: _description, ...config } = stage.config;
  return {
    stageFile: stage.identity.file,
    ...(stage.point ? { point: stage.point.point.id } : {}),
    ...(stage.fold ? { fold: stage.fold.spec.index } : {}),
    config,
  };
}

function stageTargets(workspaceRoot: string, stage: LoadedStage, options: NormalizedOptions): Record<string, TargetConfiguration> {
  const state = stageStateInput(workspaceRoot, stage);
  const targets: Record<string, TargetConfiguration> = {
    [options.runTargetName]: {
      executor: state.type === 'module' ? STAGE_WITH_STATE_EXECUTOR : STAGE_EXECUTOR,
      options: runOptions(stage),
      cache: stage.kind.cache && state.type !== 'uncached',
      dependsOn: [`^${options.runTargetName}`],
      inputs: stageRunInputs(workspaceRoot, stage),
      outputs: [`{projectRoot}/out`],
      // A heavy stage runs with no other task beside it, whatever --parallel says.
      ...(stage.config.heavy ? { parallelism: false } : {}),
      metadata: {
        description: `${stage.kind.description} (${stage.identity.kind} stage)`,
        technologies: ['reproml'],
        // Its effect is outside the workspace (a registry): `reproml verify` never reruns it in a scratch copy.
        ...(state.type === 'none' ? {} : { [EXTERNAL_EFFECT_METADATA]: true }),
        ...(state.type === 'module' ? { [STATE_INPUT_METADATA]: state.input } : {}),
      },
    },
  };
  if (stage.point || stage.fold) return targets; // a point or fold has only its run; the stage's extra targets stay on the stage
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
