/**
 * Where ReproML keeps a stage, the one convention every layer shares: the stage file at
 * `pipelines/<pipeline>/<stage>/stage.json`, its artifacts in `out/` beside it, and its Nx
 * project named `<pipeline>-<stage>`. A stage names another as `<stage>` (same pipeline)
 * or `<pipeline>/<stage>`.
 */
/** The workspace folder that holds every pipeline. */
export const PIPELINES_DIR = 'pipelines';

/** Every stage's file, in its folder (`pipelines/<pipeline>/<stage>/stage.json`). */
export const STAGE_FILE_NAME = 'stage.json';

/** The lineage record every stage writes into its `out/` (see lineage-record.ts). */
export const LINEAGE_FILE = 'lineage.json';

/** What a sweep stage writes into its `out/`: its selection (the schema is sweep-result.ts's `sweepResultOutput`). */
export const SWEEP_RESULT_FILE = 'sweep.json';

export function stageProjectName(pipeline: string, stage: string): string {
  return `${pipeline}-${stage}`;
}

/** Workspace-relative folder of a stage. */
export function stageRootDir(pipeline: string, stage: string): string {
  return `${PIPELINES_DIR}/${pipeline}/${stage}`;
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

/**
 * A cross-validated stage (or sweep point) runs each fold as a project of its own: fold `<i>`
 * (1-based) of project `<owner>` is `<owner>--fold-<i>`, rooted at `<owner root>/folds/<i>`.
 */
export const CROSS_VALIDATION_DIR = 'folds';

export function foldProjectName(ownerProject: string, fold: number): string {
  return `${ownerProject}--fold-${fold}`;
}

export function foldRootDir(ownerRoot: string, fold: number): string {
  return `${ownerRoot}/${CROSS_VALIDATION_DIR}/${fold}`;
}

/** Where a stage (or one point of its sweep, or one fold of either) is: what a project root or an artifact path tells. */
export interface StageLocation {
  pipeline: string;
  stage: string;
  /** The sweep point, for a point's project (or a fold of it). */
  point?: string;
  /** The cross-validation fold, for a fold's project. */
  fold?: number;
}

function ownerRoot(location: StageLocation): string {
  return location.point === undefined ? stageRootDir(location.pipeline, location.stage) : sweepPointRootDir(location.pipeline, location.stage, location.point);
}

/** Workspace-relative output folder of a stage, sweep point or fold. */
export function locationOutputDir(location: StageLocation): string {
  const root = ownerRoot(location);
  return `${location.fold === undefined ? root : foldRootDir(root, location.fold)}/out`;
}

/** Nx project name of a stage, sweep point or fold. */
export function locationProjectName(location: StageLocation): string {
  const owner =
    location.point === undefined
      ? stageProjectName(location.pipeline, location.stage)
      : sweepPointProjectName(location.pipeline, location.stage, location.point);
  return location.fold === undefined ? owner : foldProjectName(owner, location.fold);
}

const VARIANT = `(?:/${SWEEP_POINTS_DIR}/([^/]+))?(?:/${CROSS_VALIDATION_DIR}/([0-9]+))?`;
const STAGE_ROOT = new RegExp(`^pipelines/([^/]+)/([^/]+)${VARIANT}$`);
const OUTPUT_PATH = new RegExp(`^(pipelines/([^/]+)/([^/]+)${VARIANT}/out)(?:/|$)`);

function location(pipeline: string, stage: string, point: string | undefined, fold: string | undefined): StageLocation {
  return { pipeline, stage, ...(point === undefined ? {} : { point }), ...(fold === undefined ? {} : { fold: Number(fold) }) };
}

/** The pipeline and stage folder (and sweep point, fold) of a workspace-relative project root, if it is one. */
export function parseStageRoot(root: string): StageLocation | undefined {
  const match = STAGE_ROOT.exec(root.split('\\').join('/'));
  return match ? location(match[1]!, match[2]!, match[3], match[4]) : undefined;
}

/** The output folder (and its stage) a workspace-relative artifact path lies in, e.g. `pipelines/p/train/points/<id>/out/model.onnx`. */
export function parseOutputPath(path: string): (StageLocation & { outDir: string }) | undefined {
  const match = OUTPUT_PATH.exec(path.split('\\').join('/'));
  return match ? { ...location(match[2]!, match[3]!, match[4], match[5]), outDir: match[1]! } : undefined;
}
