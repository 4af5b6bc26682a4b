import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { runScriptStage, type ScriptStageConfig } from '@reproml/core';
import { resolveStageReference, stageOutputDir } from '../../stage-file/load-stage';
import { executeStage, type ExecutorResult } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

export default async function scriptExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const inputDirs: Record<string, string> = {};
    for (const [name, reference] of Object.entries(stage.config.inputs)) {
      inputDirs[name] = join(context.root, stageOutputDir(stage.identity.pipeline, reference));
    }
    await runScriptStage({
      context: stageContext,
      config: stage.config as ScriptStageConfig,
      stageDir: join(context.root, stage.root),
      inputDirs,
    });
  });
}
