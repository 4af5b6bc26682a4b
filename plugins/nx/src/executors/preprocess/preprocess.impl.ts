import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { toWorkspacePath } from '@reproml/core';
import { readTable } from '@reproml/data';
import { DATASET_INPUT, runPreprocess, type PreprocessStageConfig } from '@reproml/preprocess';
import { resolveStageReference, stageOutputDir } from '../../stage-file/load-stage';
import { executeStage, type ExecutorResult } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

export default async function preprocessExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as PreprocessStageConfig;
    const reference = config.inputs[DATASET_INPUT]!;
    await runPreprocess({
      context: stageContext,
      config,
      stageDir: join(context.root, stage.root),
      datasetDir: join(context.root, stageOutputDir(stage.identity.pipeline, reference)),
      upstream: resolveStageReference(stage.identity.pipeline, reference),
      readTable: (file) => readTable({ path: file.path, format: file.format, file: toWorkspacePath(context.root, file.path) }),
    });
  });
}
