import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { locationProjectName, parseOutputPath, stageOutputDir, stageProjectName, stageRootDir } from '@reproml/core';

/** Where ReproML keeps a stage: `pipelines/<pipeline>/<stage>/`, its artifacts in `out/`. */
export interface StageLocation {
  project: string;
  pipeline: string;
  stage: string;
  /** Workspace-relative folder of the stage. */
  root: string;
  /** Workspace-relative output folder. */
  outDir: string;
}

export function stageLocation(pipeline: string, stage: string): StageLocation {
  const root = stageRootDir(pipeline, stage);
  return { project: stageProjectName(pipeline, stage), pipeline, stage, root, outDir: stageOutputDir(pipeline, stage) };
}

/** The stage (or sweep point) whose output folder holds `workspacePath`, if any. */
export function stageOfArtifact(workspacePath: string): StageLocation | undefined {
  const location = parseOutputPath(workspacePath);
  if (!location) return undefined;
  const stage = stageLocation(location.pipeline, location.stage);
  return location.point === undefined && location.fold === undefined ? stage : { ...stage, project: locationProjectName(location), outDir: location.outDir };
}

/** Every stage of a pipeline, in folder order. */
export function pipelineStages(workspaceRoot: string, pipeline: string): StageLocation[] {
  const dir = join(workspaceRoot, 'pipelines', pipeline);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .filter((stage) => existsSync(join(dir, stage, 'stage.json')))
    .map((stage) => stageLocation(pipeline, stage));
}

export function pipelineNames(workspaceRoot: string): string[] {
  const dir = join(workspaceRoot, 'pipelines');
  return existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .filter((name) => pipelineStages(workspaceRoot, name).length > 0)
    : [];
}
