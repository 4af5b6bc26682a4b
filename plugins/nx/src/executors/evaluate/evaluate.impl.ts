import type { ExecutorContext } from '@nx/devkit';
import { EVALUATE_FEATURES_INPUT, type EvaluateStageConfig, MODEL_INPUT, runEvaluate } from '@reproml/onnx';
import { type ExecutorResult, executeStage } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';
import { upstreamStage } from '../shared/upstream-stage';

export default async function evaluateExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as EvaluateStageConfig;
    const model = upstreamStage(stage, context.root, MODEL_INPUT);
    const features = upstreamStage(stage, context.root, EVALUATE_FEATURES_INPUT);
    await runEvaluate({
      context: stageContext,
      config,
      modelDir: model.dir,
      modelStage: model.stage,
      featuresDir: features.dir,
      featuresStage: features.stage,
    });
  });
}
