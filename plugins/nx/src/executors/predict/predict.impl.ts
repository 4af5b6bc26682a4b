import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { toWorkspacePath } from '@reproml/core';
import { PREDICT_MODEL_INPUT, type PredictStageConfig, runPredict } from '@reproml/onnx';
import { type ExecutorResult, executeStage } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';
import { upstreamStage } from '../shared/upstream-stage';

export default async function predictExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as PredictStageConfig;
    const model = upstreamStage(stage, context.root, PREDICT_MODEL_INPUT);
    // A file from an upstream stage's out/ (hashed as its output), or one in this stage's folder (hashed as the stage).
    const source =
      config.data.from === undefined
        ? { dir: join(context.root, stage.root), stage: stage.identity.name }
        : upstreamStage(stage, context.root, config.data.from);
    const dataPath = join(source.dir, config.data.path);
    await runPredict({
      context: stageContext,
      config,
      modelDir: model.dir,
      modelStage: model.stage,
      data: { path: dataPath, file: toWorkspacePath(context.root, dataPath), from: source.stage },
    });
  });
}
