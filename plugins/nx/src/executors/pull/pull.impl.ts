import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { LOCK_FILE_NAME, type PullStageConfig, readDatasetLock, runPull } from '@reproml/data';
import { type ExecutorResult, executeStage } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

export default async function pullExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const lockFile = `${stage.root}/${LOCK_FILE_NAME}`;
    const lock = await readDatasetLock({ absolutePath: join(context.root, lockFile), file: lockFile, stage: stage.identity.name });
    await runPull({ context: stageContext, config: stage.config as PullStageConfig, lock, stageFile: stage.identity.file, lockFile });
  });
}
