import type { ExecutorContext } from '@nx/devkit';
import { type ExecutorResult, executeStage, executeStageTarget } from '../shared/execute-stage';
import type { StageExecutorOptions } from '../shared/stage-executor-options';

/**
 * The executor of every stage kind: loads the stage file with the kinds registered in
 * nx.json, then runs the kind's `run` inside `runStage` (or, with `target`, one of the
 * kind's extra uncached targets such as a pull stage's `lock`).
 */
export default async function stageExecutor(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return options.target === undefined ? executeStage(options, context) : executeStageTarget(options, context, options.target);
}
