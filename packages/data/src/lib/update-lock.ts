import { existsSync } from 'node:fs';
import type { ProgressListener } from '@reproml/core';
import { ContentStore } from './content-store';
import { type DatasetLock, datasetLockSchema, type LockedFile, readDatasetLock, writeDatasetLock } from './dataset-lock';
import { lockDatasetFile } from './lock-dataset-file';
import type { PullStageConfig } from './pull-stage-config';
import { type SourceEnvironment, sourceEnvironmentFromEnv } from './source-environment';

export interface UpdateLockParams {
  workspaceRoot: string;
  stage: string;
  config: PullStageConfig;
  /** Absolute and workspace-relative paths of the stage file and its lock. */
  stageFile: string;
  lockPath: string;
  lockFile: string;
  /** Hub endpoint, token, store and network settings. Default: from process.env. */
  environment?: SourceEnvironment;
  progress?: ProgressListener;
  warn?: (message: string) => void;
}

export interface LockChange {
  key: string;
  change: 'added' | 'changed' | 'unchanged' | 'removed';
  before?: LockedFile;
  after?: LockedFile;
}

/**
 * Resolves every source to its current revision and bytes and writes the lock, like
 * `dvc update`: branches and tags become commit shas, downloads land in the store. This is
 * the one place where data may move; `run` only ever reads what the lock names. The lock is
 * written only when every file resolved, so a failure leaves the workspace as it was.
 */
export async function updateLock(params: UpdateLockParams): Promise<LockChange[]> {
  const previous: DatasetLock | undefined = existsSync(params.lockPath)
    ? await readDatasetLock({ absolutePath: params.lockPath, file: params.lockFile, stage: params.stage })
    : undefined;
  const environment = params.environment ?? sourceEnvironmentFromEnv();
  const warn = params.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  const store = new ContentStore(environment.storeDir, warn);
  const files: Record<string, LockedFile> = {};
  for (const key of Object.keys(params.config.files).sort()) {
    const locked = await lockDatasetFile({
      key,
      spec: params.config.files[key]!,
      workspaceRoot: params.workspaceRoot,
      environment,
      store,
      location: { stage: params.stage, file: params.stageFile },
      progress: params.progress,
      warn,
    });
    files[key] = locked.entry;
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

/** A reviewable diff of a lock update, one line per file plus one per changed field. */
export function formatLockChanges(changes: readonly LockChange[]): string[] {
  const lines: string[] = [];
  for (const change of changes) {
    const entry = change.after ?? change.before!;
    lines.push(
      `${change.change.padEnd(9)} ${change.key}  ${entry.source}${entry.revision ? `@${entry.revision.slice(0, 12)}` : ''}  sha256 ${entry.sha256.slice(0, 12)}`,
    );
    if (change.change !== 'changed') continue;
    for (const field of ['source', 'ref', 'revision', 'sha256', 'size', 'format'] as const) {
      const before = change.before?.[field];
      const after = change.after?.[field];
      if (before !== after) lines.push(`            ${field}: ${before ?? '(none)'} → ${after ?? '(none)'}`);
    }
  }
  return lines;
}
