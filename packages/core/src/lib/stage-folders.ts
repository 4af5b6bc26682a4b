import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PIPELINES_DIR, STAGE_FILE_NAME, stageOutputDir, stageProjectName, stageRootDir } from './stage-layout';

/** A stage found on disk: a folder `pipelines/<pipeline>/<stage>/` that holds a stage file. */
export interface StageFolder {
  project: string;
  pipeline: string;
  stage: string;
  /** Workspace-relative folder of the stage. */
  root: string;
  /** Workspace-relative output folder. */
  outDir: string;
}

export function stageFolder(pipeline: string, stage: string): StageFolder {
  return { project: stageProjectName(pipeline, stage), pipeline, stage, root: stageRootDir(pipeline, stage), outDir: stageOutputDir(pipeline, stage) };
}

/**
 * Every stage of the workspace (or of one pipeline), sorted by pipeline, then stage: what the
 * CLI, the CI summary and the dataset changelog list, without loading any stage file's schema.
 */
export function listStageFolders(workspaceRoot: string, pipeline?: string): StageFolder[] {
  const pipelinesDir = join(workspaceRoot, PIPELINES_DIR);
  const pipelines = pipeline === undefined ? subfolders(pipelinesDir) : [pipeline];
  return pipelines.flatMap((name) =>
    subfolders(join(pipelinesDir, name))
      .filter((stage) => existsSync(join(workspaceRoot, stageRootDir(name, stage), STAGE_FILE_NAME)))
      .map((stage) => stageFolder(name, stage)),
  );
}

/** The `kind` a stage file names, read without validating the rest; undefined when it cannot be read. */
export function readStageKind(workspaceRoot: string, stage: StageFolder): string | undefined {
  try {
    const kind = JSON.parse(readFileSync(join(workspaceRoot, stage.root, STAGE_FILE_NAME), 'utf8')).kind;
    return typeof kind === 'string' ? kind : undefined;
  } catch {
    return undefined;
  }
}

function subfolders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
