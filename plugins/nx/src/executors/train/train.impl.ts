import type { ExecutorContext } from '@nx/devkit';
import { FEATURES_INPUT, runTrain, type TrainStageConfig } from '@reproml/onnx';
import { type ExecutorResult, executeStage } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';
import { upstreamStage } from '../shared/upstream-stage';

export default async function trainExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as TrainStageConfig;
    const features = upstreamStage(stage, context.root, FEATURES_INPUT);
    await runTrain({ context: stageContext, config, featuresDir: features.dir, upstream: features.stage });
  });
}
