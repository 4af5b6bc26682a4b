import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { EVALUATE_FEATURES_INPUT, MODEL_INPUT, runEvaluate, type EvaluateStageConfig } from '@reproml/onnx';
import { resolveStageReference, stageOutputDir } from '../../stage-file/load-stage';
import { executeStage, type ExecutorResult } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

export default async function evaluateExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as EvaluateStageConfig;
    const pipeline = stage.identity.pipeline;
    const model = config.inputs[MODEL_INPUT]!;
    const features = config.inputs[EVALUATE_FEATURES_INPUT]!;
    await runEvaluate({
      context: stageContext,
      config,
      modelDir: join(context.root, stageOutputDir(pipeline, model)),
      modelStage: resolveStageReference(pipeline, model),
      featuresDir: join(context.root, stageOutputDir(pipeline, features)),
      featuresStage: resolveStageReference(pipeline, features),
    });
  });
}
