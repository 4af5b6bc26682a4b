import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STAGE_FILE_NAME, splitStageReference, stageProjectName, stageRootDir } from '@reproml/core/layout';
import type { DatasetRevision } from './run-record';

export interface DatasetRevisionsParams {
  workspaceRoot: string;
  pipeline: string;
  stage: string;
}

/**
 * The dataset files a stage depends on: the lock entries of every pull stage at or upstream
 * of it (following `inputs` in the stage files), sorted by stage and key.
 */
export function datasetRevisions(params: DatasetRevisionsParams): DatasetRevision[] {
  const found = new Map<string, DatasetRevision>();
  const visited = new Set<string>();
  const visit = (pipeline: string, stage: string): void => {
    const id = `${pipeline}/${stage}`;
    if (visited.has(id)) return;
    visited.add(id);
    const dir = join(params.workspaceRoot, stageRootDir(pipeline, stage));
    const project = stageProjectName(pipeline, stage);
    for (const entry of lockEntries(join(dir, 'stage.lock.json'))) {
      found.set(`${project}\0${entry.key}`, { stage: project, ...entry });
    }
    for (const upstream of upstreamStages(join(dir, STAGE_FILE_NAME))) visit(...splitStageReference(pipeline, upstream));
  };
  visit(params.pipeline, params.stage);
  return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, revision]) => revision);
}

function readJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8'));
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined; // a broken stage or lock file is reported by the stage itself
  }
}

function upstreamStages(stageFile: string): string[] {
  const inputs = readJson(stageFile)?.inputs;
  return inputs && typeof inputs === 'object' ? Object.values(inputs).filter((value): value is string => typeof value === 'string') : [];
}

function lockEntries(lockFile: string): Omit<DatasetRevision, 'stage'>[] {
  const files = readJson(lockFile)?.files;
  if (!files || typeof files !== 'object') return [];
  return Object.entries(files as Record<string, Record<string, unknown>>).map(([key, entry]) => ({
    key,
    source: String(entry.source ?? ''),
    revision: typeof entry.revision === 'string' ? entry.revision : null,
    sha256: String(entry.sha256 ?? ''),
  }));
}
