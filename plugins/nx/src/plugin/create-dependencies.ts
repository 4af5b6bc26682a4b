import { join } from 'node:path';
import { type CreateDependencies, DependencyType, type RawProjectGraphDependency } from '@nx/devkit';
import { ConfigError, didYouMean, resolveStageReference, STAGE_FILE_NAME, splitStageReference, stageRootDir } from '@reproml/core';
import { checkUpstreamKind } from '../stage-file/check-upstream-kind';
import { type LoadedStage, loadStage } from '../stage-file/load-stage';
import { type StageKindRegistry, stageKindRegistry } from '../stage-file/stage-kinds';
import { graphPathExists } from './graph-inputs';
import { normalizeOptions, type ReproMLPluginOptions } from './plugin-options';

/** An edge from each stage to every upstream stage it names in `inputs`, whose kind must fit the input. */
export const createDependencies: CreateDependencies<ReproMLPluginOptions> = (options, context) => {
  const registry = stageKindRegistry(context.workspaceRoot, normalizeOptions(options).kinds);
  const dependencies: RawProjectGraphDependency[] = [];
  const projectNames = Object.keys(context.projects);
  for (const [projectName, project] of Object.entries(context.projects)) {
    const stageFile = `${project.root}/${STAGE_FILE_NAME}`;
    if (!graphPathExists(join(context.workspaceRoot, stageFile))) continue;
    const stage = loadUpstream(context.workspaceRoot, stageFile, registry);
    if (!stage) continue; // an invalid stage file is a project of its own that fails when run (createNodes)
    dependencies.push(...inputDependencies(context, stage, registry, projectName, projectNames));
    // Sweep points and folds: each depends on the stage's inputs, and its owner (the selection, or
    // the cross-validated stage or point) on it.
    for (const owner of [stage, ...(stage.points ?? [])]) {
      for (const variant of owner === stage ? [...(stage.points ?? []), ...(stage.folds ?? [])] : (owner.folds ?? [])) {
        if (!context.projects[variant.identity.name] || !context.projects[owner.identity.name]) continue;
        for (const edge of inputDependencies(context, variant, registry, variant.identity.name, projectNames)) {
          dependencies.push({ source: edge.source, target: edge.target, type: DependencyType.implicit });
        }
        dependencies.push({ source: owner.identity.name, target: variant.identity.name, type: DependencyType.implicit });
      }
    }
  }
  return dependencies;
};

/** An edge to every upstream stage the stage names in `inputs`, whose kind must fit the input. */
function inputDependencies(
  context: Parameters<CreateDependencies>[1],
  stage: LoadedStage,
  registry: StageKindRegistry,
  projectName: string,
  projectNames: string[],
): RawProjectGraphDependency[] {
  const dependencies: RawProjectGraphDependency[] = [];
  const stageFile = stage.identity.file;
  for (const [inputName, reference] of Object.entries(stage.config.inputs).sort()) {
    const target = resolveStageReference(stage.identity.pipeline, reference);
    const upstreamFile = `${stageRootDir(...splitStageReference(stage.identity.pipeline, reference))}/${STAGE_FILE_NAME}`;
    if (!context.projects[target]) {
      // A stage file that exists but failed to load has already been reported by createNodes.
      if (graphPathExists(join(context.workspaceRoot, upstreamFile))) continue;
      throw new ConfigError(`Input '${inputName}' names stage '${reference}', which does not exist${didYouMean(target, projectNames)}`, {
        stage: projectName,
        file: stageFile,
        field: `inputs.${inputName}`,
        hint: `Name a stage folder of pipeline '${stage.identity.pipeline}' (or '<pipeline>/<stage>').`,
      });
    }
    const upstream = loadUpstream(context.workspaceRoot, upstreamFile, registry);
    if (upstream) checkUpstreamKind(stage, inputName, upstream, registry);
    dependencies.push({ source: projectName, target, type: DependencyType.static, sourceFile: stageFile });
  }
  return dependencies;
}

/** The stage, or undefined when its file is invalid (createNodes reports that, with the file and field). */
function loadUpstream(workspaceRoot: string, stageFile: string, registry: StageKindRegistry): LoadedStage | undefined {
  try {
    return loadStage(workspaceRoot, stageFile, registry);
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}
