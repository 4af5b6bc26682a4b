import { listStageFolders, locationProjectName, parseOutputPath, type StageFolder, stageFolder } from '@reproml/core';

/** Where ReproML keeps a stage: `pipelines/<pipeline>/<stage>/`, its artifacts in `out/` (core's layout). */
export type StageLocation = StageFolder;

export const stageLocation = stageFolder;

/** The stage (or sweep point) whose output folder holds `workspacePath`, if any. */
export function stageOfArtifact(workspacePath: string): StageLocation | undefined {
  const location = parseOutputPath(workspacePath);
  if (!location) return undefined;
  const stage = stageLocation(location.pipeline, location.stage);
  return location.point === undefined && location.fold === undefined ? stage : { ...stage, project: locationProjectName(location), outDir: location.outDir };
}

/** Every stage of a pipeline, in folder order. */
export function pipelineStages(workspaceRoot: string, pipeline: string): StageLocation[] {
  return listStageFolders(workspaceRoot, pipeline);
}

/** The pipelines that have at least one stage, sorted. */
export function pipelineNames(workspaceRoot: string): string[] {
  return [...new Set(listStageFolders(workspaceRoot).map((stage) => stage.pipeline))];
}
