import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { BATCH_INPUT, DRIFT_MODEL_INPUT, REFERENCE_INPUT, runDrift, type DriftStageConfig } from '@reproml/drift';
import { resolveStageReference, stageOutputDir } from '../../stage-file/load-stage';
import { executeStage, type ExecutorResult } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

export default async function driftExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const config = stage.config as DriftStageConfig;
    const pipeline = stage.identity.pipeline;
    const upstream = (reference: string) => ({ dir: join(context.root, stageOutputDir(pipeline, reference)), stage: resolveStageReference(pipeline, reference) });
    const model = config.inputs[DRIFT_MODEL_INPUT];
    await runDrift({
      context: stageContext,
      config,
      batch: upstream(config.inputs[BATCH_INPUT]!),
      features: upstream(config.inputs[REFERENCE_INPUT]!),
      ...(model ? { model: upstream(model) } : {}),
    });
  });
}
