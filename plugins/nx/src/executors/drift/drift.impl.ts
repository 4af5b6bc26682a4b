import type { ExecutorContext } from '@nx/devkit';
import { BATCH_INPUT, DRIFT_MODEL_INPUT, type DriftStageConfig, REFERENCE_INPUT, runDrift } from '@reproml/drift';
import { type ExecutorResult, executeStage } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';
import { upstreamStage } from '../shared/upstream-stage';

export default async function driftExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as DriftStageConfig;
    await runDrift({
      context: stageContext,
      config,
      batch: upstreamStage(stage, context.root, BATCH_INPUT),
      features: upstreamStage(stage, context.root, REFERENCE_INPUT),
      ...(config.inputs[DRIFT_MODEL_INPUT] ? { model: upstreamStage(stage, context.root, DRIFT_MODEL_INPUT) } : {}),
    });
  });
}
