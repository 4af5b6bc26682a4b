/**
 * Where ReproML keeps a stage, the one convention every layer shares: the stage file at
 * `pipelines/<pipeline>/<stage>/stage.json`, its artifacts in `out/` beside it, and its Nx
 * project named `<pipeline>-<stage>`. A stage names another as `<stage>` (same pipeline)
 * or `<pipeline>/<stage>`.
 */
export function stageProjectName(pipeline: string, stage: string): string {
  return `${pipeline}-${stage}`;
}

/** Workspace-relative folder of a stage. */
export function stageRootDir(pipeline: string, stage: string): string {
  return `pipelines/${pipeline}/${stage}`;
}

/** The pipeline and stage folder a reference from a stage in `pipeline` names. */
export function splitStageReference(pipeline: string, reference: string): [pipeline: string, stage: string] {
  return reference.includes('/') ? (reference.split('/') as [string, string]) : [pipeline, reference];
}

/** Workspace-relative output folder of the stage a reference names. */
export function stageOutputDir(pipeline: string, reference: string): string {
  return `${stageRootDir(...splitStageReference(pipeline, reference))}/out`;
}

/** Nx project name of the stage a reference names. */
export function resolveStageReference(pipeline: string, reference: string): string {
  return stageProjectName(...splitStageReference(pipeline, reference));
}

const STAGE_ROOT = /^pipelines\/([^/]+)\/([^/]+)$/;

/** The pipeline and stage folder of a workspace-relative stage folder (an Nx project root), if it is one. */
export function parseStageRoot(root: string): { pipeline: string; stage: string } | undefined {
  const match = STAGE_ROOT.exec(root.split('\\').join('/'));
  return match ? { pipeline: match[1]!, stage: match[2]! } : undefined;
}
