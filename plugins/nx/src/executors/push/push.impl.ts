import type { ExecutorContext } from '@nx/devkit';
import { stageOutputDir } from '@reproml/core';
import { openRegistry, PUSH_METRICS_INPUT, PUSH_MODEL_INPUT, type PushStageConfig, runPush } from '@reproml/hub';
import { type ExecutorResult, executeStage } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

/**
 * Publishes the model of a train stage (with its metrics, transform, lineage and model
 * card) to the local registry or a Hub repo. Its `run` target is not cached: the target
 * is outside Nx's outputs, so only a real run can say what it holds (see README, "Push").
 */
export default async function pushExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as PushStageConfig;
    const pipeline = stage.identity.pipeline;
    const metrics = config.inputs[PUSH_METRICS_INPUT];
    await runPush({
      context: stageContext,
      config,
      modelOutDir: stageOutputDir(pipeline, config.inputs[PUSH_MODEL_INPUT]!),
      metricsOutDir: metrics ? stageOutputDir(pipeline, metrics) : undefined,
      registry: openRegistry({ workspaceRoot: context.root }),
    });
  });
}
