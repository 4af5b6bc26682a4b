import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { FEATURES_INPUT, runTrain, type TrainStageConfig } from '@reproml/onnx';
import { resolveStageReference, stageOutputDir } from '../../stage-file/load-stage';
import { executeStage, type ExecutorResult } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

export default async function trainExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as TrainStageConfig;
    const reference = config.inputs[FEATURES_INPUT]!;
    await runTrain({
      context: stageContext,
      config,
      featuresDir: join(context.root, stageOutputDir(stage.identity.pipeline, reference)),
      upstream: resolveStageReference(stage.identity.pipeline, reference),
    });
  });
}
