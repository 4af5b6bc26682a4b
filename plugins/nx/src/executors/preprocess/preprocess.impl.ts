import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { toWorkspacePath } from '@reproml/core';
import { readTable } from '@reproml/data';
import { DATASET_INPUT, type PreprocessStageConfig, runPreprocess } from '@reproml/preprocess';
import { type ExecutorResult, executeStage } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';
import { upstreamStage } from '../shared/upstream-stage';

export default async function preprocessExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as PreprocessStageConfig;
    const dataset = upstreamStage(stage, context.root, DATASET_INPUT);
    await runPreprocess({
      context: stageContext,
      config,
      stageDir: join(context.root, stage.root),
      datasetDir: dataset.dir,
      upstream: dataset.stage,
      readTable: (file) => readTable({ path: file.path, format: file.format, file: toWorkspacePath(context.root, file.path) }),
    });
  });
}
