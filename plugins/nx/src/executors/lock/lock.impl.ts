import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { createProgressReporter } from '@reproml/core';
import { formatLockChanges, LOCK_FILE_NAME, lockWithChangelog, type PullStageConfig } from '@reproml/data';
import { loadStage } from '../../stage-file/load-stage';
import { askOnTerminal } from '../shared/ask-on-terminal';
import { type ExecutorResult, reportFailures } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

/** `nx run <stage>:lock`: resolves branches, tags and changed sources to a new lock, and prints the diff. */
export default async function lockExecutor(options: StageExecutorOptions & { message?: string }, context: ExecutorContext): Promise<ExecutorResult> {
  return reportFailures(async () => {
    const stage = loadStage(context.root, options.stageFile);
    const lockFile = `${stage.root}/${LOCK_FILE_NAME}`;
    const { changes, entry, changelogFile } = await lockWithChangelog({
      workspaceRoot: context.root,
      stageRoot: stage.root,
      message: options.message,
      ask: () => askOnTerminal('Why did the data change? (one line for the changelog) '),
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
    if (entry) logger.info(`${changelogFile}: appended the entry for lock ${entry.lockSha256.slice(0, 12)} (${entry.author})`);
    logger.info(
      moved ? `${lockFile} updated: review it and ${changelogFile}, and commit both to make dependent stages affected.` : `${lockFile} is up to date.`,
    );
  });
}
