import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { toWorkspacePath } from '@reproml/core';
import { PREDICT_MODEL_INPUT, runPredict, type PredictStageConfig } from '@reproml/onnx';
import { resolveStageReference, stageOutputDir } from '../../stage-file/load-stage';
import { executeStage, type ExecutorResult } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

export default async function predictExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as PredictStageConfig;
    const pipeline = stage.identity.pipeline;
    const model = config.inputs[PREDICT_MODEL_INPUT]!;
    // A file from an upstream stage's out/ (hashed as its output), or one in this stage's folder (hashed as the stage).
    const from = config.data.from;
    const baseDir = from === undefined ? stage.root : stageOutputDir(pipeline, config.inputs[from]!);
    const dataPath = join(context.root, baseDir, config.data.path);
    await runPredict({
      context: stageContext,
      config,
      modelDir: join(context.root, stageOutputDir(pipeline, model)),
      modelStage: resolveStageReference(pipeline, model),
      data: {
        path: dataPath,
        file: toWorkspacePath(context.root, dataPath),
        from: from === undefined ? stage.identity.name : resolveStageReference(pipeline, config.inputs[from]!),
      },
    });
  });
}
