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

/**
 * A sweep's points (see `sweep-points.ts`) live inside their stage's folder: point `<id>` of
 * stage `<stage>` is the Nx project `<pipeline>-<stage>--<id>`, rooted at
 * `pipelines/<pipeline>/<stage>/points/<id>`, with its artifacts in `out/` there. The stage's own
 * project (its `out/`) holds the selected point.
 */
export const SWEEP_POINTS_DIR = 'points';

export function sweepPointProjectName(pipeline: string, stage: string, pointId: string): string {
  return `${stageProjectName(pipeline, stage)}--${pointId}`;
}

export function sweepPointRootDir(pipeline: string, stage: string, pointId: string): string {
  return `${stageRootDir(pipeline, stage)}/${SWEEP_POINTS_DIR}/${pointId}`;
}

export function sweepPointOutputDir(pipeline: string, stage: string, pointId: string): string {
  return `${sweepPointRootDir(pipeline, stage, pointId)}/out`;
}

/** Where a stage (or one point of its sweep) is: what a project root or an artifact path tells. */
export interface StageLocation {
  pipeline: string;
  stage: string;
  /** The sweep point, for a point's project. */
  point?: string;
}

/** Workspace-relative output folder of a stage or sweep point. */
export function locationOutputDir(location: StageLocation): string {
  return location.point === undefined
    ? stageOutputDir(location.pipeline, location.stage)
    : sweepPointOutputDir(location.pipeline, location.stage, location.point);
}

/** Nx project name of a stage or sweep point. */
export function locationProjectName(location: StageLocation): string {
  return location.point === undefined
    ? stageProjectName(location.pipeline, location.stage)
    : sweepPointProjectName(location.pipeline, location.stage, location.point);
}

const STAGE_ROOT = new RegExp(`^pipelines/([^/]+)/([^/]+)(?:/${SWEEP_POINTS_DIR}/([^/]+))?$`);
const OUTPUT_PATH = new RegExp(`^(pipelines/([^/]+)/([^/]+)(?:/${SWEEP_POINTS_DIR}/([^/]+))?/out)(?:/|$)`);

/** The pipeline and stage folder (and sweep point) of a workspace-relative project root, if it is one. */
export function parseStageRoot(root: string): StageLocation | undefined {
  const match = STAGE_ROOT.exec(root.split('\\').join('/'));
  if (!match) return undefined;
  return match[3] === undefined ? { pipeline: match[1]!, stage: match[2]! } : { pipeline: match[1]!, stage: match[2]!, point: match[3] };
}

/** The output folder (and its stage) a workspace-relative artifact path lies in, e.g. `pipelines/p/train/points/<id>/out/model.onnx`. */
export function parseOutputPath(path: string): (StageLocation & { outDir: string }) | undefined {
  const match = OUTPUT_PATH.exec(path.split('\\').join('/'));
  if (!match) return undefined;
  const location: StageLocation =
    match[4] === undefined ? { pipeline: match[2]!, stage: match[3]! } : { pipeline: match[2]!, stage: match[3]!, point: match[4] };
  return { ...location, outDir: match[1]! };
}
