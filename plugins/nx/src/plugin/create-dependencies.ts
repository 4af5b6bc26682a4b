import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CreateDependencies, DependencyType, type RawProjectGraphDependency } from '@nx/devkit';
import { ConfigError, didYouMean, resolveStageReference, stageOutputDir } from '@reproml/core';
import { loadStage } from '../stage-file/load-stage';

/** An edge from each stage to every upstream stage it names in `inputs`. */
export const createDependencies: CreateDependencies = (_options, context) => {
  const dependencies: RawProjectGraphDependency[] = [];
  const projectNames = Object.keys(context.projects);
  for (const [projectName, project] of Object.entries(context.projects)) {
    const stageFile = `${project.root}/stage.json`;
    if (!existsSync(join(context.workspaceRoot, stageFile))) continue;
    const stage = loadStage(context.workspaceRoot, stageFile);
    for (const [inputName, reference] of Object.entries(stage.config.inputs).sort()) {
      const target = resolveStageReference(stage.identity.pipeline, reference);
      if (!context.projects[target]) {
        // A stage file that exists but failed to load has already been reported by createNodes.
        if (existsSync(join(context.workspaceRoot, stageOutputDir(stage.identity.pipeline, reference), '..', 'stage.json'))) continue;
        throw new ConfigError(`Input '${inputName}' names stage '${reference}', which does not exist${didYouMean(target, projectNames)}`, {
          stage: projectName,
          file: stageFile,
          field: `inputs.${inputName}`,
          hint: `Name a stage folder of pipeline '${stage.identity.pipeline}' (or '<pipeline>/<stage>').`,
        });
      }
      dependencies.push({ source: projectName, target, type: DependencyType.static, sourceFile: stageFile });
    }
  }
  return dependencies;
};
