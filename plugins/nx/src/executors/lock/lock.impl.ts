import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { createProgressReporter } from '@reproml/core';
import { formatLockChanges, LOCK_FILE_NAME, type PullStageConfig, updateLock } from '@reproml/data';
import { loadStage } from '../../stage-file/load-stage';
import { type ExecutorResult, reportFailures } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

/** `nx run <stage>:lock`: resolves branches, tags and changed sources to a new lock, and prints the diff. */
export default async function lockExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return reportFailures(async () => {
    const stage = loadStage(context.root, options.stageFile);
    const lockFile = `${stage.root}/${LOCK_FILE_NAME}`;
    const changes = await updateLock({
      workspaceRoot: context.root,
      stage: stage.identity.name,
      config: stage.config as PullStageConfig,
      stageFile: stage.identity.file,
      lockPath: join(context.root, lockFile),
      lockFile,
      progress: createProgressReporter({ prefix: stage.identity.name }),
      warn: (message) => logger.warn(`warning: ${message}`),
    });
    for (const line of formatLockChanges(changes)) logger.info(line);
    const moved = changes.filter((change) => change.change !== 'unchanged').length;
    logger.info(moved ? `${lockFile} updated: review and commit it to make dependent stages affected.` : `${lockFile} is up to date.`);
  });
}
