import { join } from 'node:path';
import { IntegrityError, type StageContext } from '@reproml/core';
import type { DatasetLock } from './dataset-lock';
import { copyLocalFile, digestLocalFile, resolveLocalSource } from './local-source';
import { assertLockMatchesConfig } from './lock-entries';
import type { PullStageConfig } from './pull-stage-config';

export interface RunPullParams {
  context: StageContext;
  config: PullStageConfig;
  lock: DatasetLock;
  /** Workspace-relative paths, for messages. */
  stageFile: string;
  lockFile: string;
}

/** Fetches exactly the bytes the lock names into the stage's output folder, or fails. */
export async function runPull(params: RunPullParams): Promise<void> {
  const { context, config, lock } = params;
  const stage = context.stage.name;
  assertLockMatchesConfig(config, lock, { stage, lockFile: params.lockFile });
  const keys = Object.keys(config.files).sort();
  for (const [index, key] of keys.entries()) {
    const locked = lock.files[key]!;
    context.progress({ type: 'phase', phase: `pull ${key}`, detail: `${locked.source} (${index + 1}/${keys.length})` });
    const location = { stage, file: params.stageFile, field: `files.${key}.source` };
    const absolute = resolveLocalSource(context.workspaceRoot, locked.source, location);
    const actual = await digestLocalFile(absolute);
    if (actual.sha256 !== locked.sha256) {
      throw new IntegrityError(
        `'${locked.source}' does not match its lock: expected sha256 ${locked.sha256} (${locked.size} bytes), got ${actual.sha256} (${actual.size} bytes)`,
        {
          stage,
          file: params.lockFile,
          field: `files.${key}.sha256`,
          hint: `If the new data is intended, run \`nx run ${stage}:lock\` and commit ${params.lockFile}; otherwise restore '${locked.source}' (e.g. \`git checkout -- ${locked.source}\`).`,
        },
      );
    }
    await context.recordInput(absolute, 'source');
    await copyLocalFile(absolute, join(context.outDir, `${key}.${locked.format}`));
  }
  context.summarize({ files: keys.map((key) => ({ key, sha256: lock.files[key]!.sha256, size: lock.files[key]!.size })) });
}
