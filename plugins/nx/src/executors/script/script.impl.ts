import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { runScriptStage, type ScriptStageConfig } from '@reproml/core';
import { type ExecutorResult, executeStage } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';
import { upstreamStage } from '../shared/upstream-stage';

export default async function scriptExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return executeStage(options, context, async (stage, stageContext) => {
    const inputDirs: Record<string, string> = {};
    for (const name of Object.keys(stage.config.inputs)) inputDirs[name] = upstreamStage(stage, context.root, name).dir;
    await runScriptStage({
      context: stageContext,
      config: stage.config as ScriptStageConfig,
      stageDir: join(context.root, stage.root),
      inputDirs,
    });
  });
}
