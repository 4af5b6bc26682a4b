import { existsSync } from 'node:fs';
import { datasetLockSchema, readDatasetLock, writeDatasetLock, type DatasetLock, type LockedFile } from './dataset-lock';
import { inferFormat } from './infer-format';
import { digestLocalFile, resolveLocalSource } from './local-source';
import type { PullStageConfig } from './pull-stage-config';

export interface UpdateLockParams {
  workspaceRoot: string;
  stage: string;
  config: PullStageConfig;
  /** Absolute and workspace-relative paths of the stage file and its lock. */
  stageFile: string;
  lockPath: string;
  lockFile: string;
}

export interface LockChange {
  key: string;
  change: 'added' | 'changed' | 'unchanged' | 'removed';
  before?: LockedFile;
  after?: LockedFile;
}

/**
 * Resolves every source to its current bytes and writes the lock, like `dvc update`.
 * This is the one place where data may move; `run` only ever reads what the lock names.
 */
export async function updateLock(params: UpdateLockParams): Promise<LockChange[]> {
  const previous: DatasetLock | undefined = existsSync(params.lockPath)
    ? await readDatasetLock({ absolutePath: params.lockPath, file: params.lockFile, stage: params.stage })
    : undefined;
  const files: Record<string, LockedFile> = {};
  for (const key of Object.keys(params.config.files).sort()) {
    const spec = params.config.files[key]!;
    const location = { stage: params.stage, file: params.stageFile, field: `files.${key}` };
    const absolute = resolveLocalSource(params.workspaceRoot, spec.source, { ...location, field: `${location.field}.source` });
    const digest = await digestLocalFile(absolute);
    files[key] = { source: spec.source, revision: null, ...digest, format: inferFormat(spec, location) };
  }
  const lock = datasetLockSchema.parse({ lockVersion: 1, files });
  await writeDatasetLock(params.lockPath, lock);
  return describeChanges(previous, lock);
}

function describeChanges(previous: DatasetLock | undefined, next: DatasetLock): LockChange[] {
  const keys = new Set([...Object.keys(previous?.files ?? {}), ...Object.keys(next.files)]);
  return [...keys].sort().map((key) => {
    const before = previous?.files[key];
    const after = next.files[key];
    if (!before) return { key, change: 'added', after };
    if (!after) return { key, change: 'removed', before };
    const same = JSON.stringify(before) === JSON.stringify(after);
    return { key, change: same ? 'unchanged' : 'changed', before, after };
  });
}
