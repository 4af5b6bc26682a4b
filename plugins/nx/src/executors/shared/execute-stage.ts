import { join } from 'node:path';
import { type ExecutorContext, logger } from '@nx/devkit';
import { DEFAULT_SEED, isReproError, runStage, type StageContext } from '@reproml/core';
import { declaredReadPaths } from '../../stage-file/declared-reads';
import { type LoadedStage, loadStage } from '../../stage-file/load-stage';
import { packageResolutionRoots, recordedPackages } from './environment-packages';
import { recordExecutedStage } from './record-stage-run';
import type { StageExecutorOptions } from './stage-executor-options';

export interface ExecutorResult {
  success: boolean;
}

/**
 * The shared body of every stage executor: load and validate the stage file, run the
 * kind's work inside `runStage` (atomic outputs, lineage record, run metadata), and turn
 * failures into one readable error.
 */
export async function executeStage(
  options: StageExecutorOptions,
  context: ExecutorContext,
  work: (stage: LoadedStage, stageContext: StageContext) => Promise<void>,
): Promise<ExecutorResult> {
  return reportFailures(async () => {
    const stage = loadStage(context.root, options.stageFile);
    const { $schema: _editorOnly, ...config } = stage.config as Record<string, unknown>;
    const startedAt = new Date();
    const result = await runStage({
      stage: stage.identity,
      config,
      seed: stage.config.seed ?? DEFAULT_SEED,
      workspaceRoot: context.root,
      outputDir: join(context.root, stage.outputDir),
      packages: recordedPackages(stage.kind),
      resolvePackagesFrom: packageResolutionRoots(),
      allowedReads: stage.config.strict === false ? undefined : declaredReadPaths(context.root, stage),
      work: (stageContext) => work(stage, stageContext),
    }).catch((failure: unknown) => {
      recordExecutedStage({ workspaceRoot: context.root, stage, startedAt, failure });
      throw failure;
    });
    recordExecutedStage({ workspaceRoot: context.root, stage, startedAt });
    logger.info(`wrote ${result.lineage.outputs.length} artifact(s) to ${stage.outputDir} in ${result.metadata.durationMs} ms`);
  });
}

/** Runs an executor body; a ReproError becomes its own message (where, what, what next), anything else a stack. */
export async function reportFailures(body: () => Promise<void>): Promise<ExecutorResult> {
  try {
    await body();
    return { success: true };
  } catch (error) {
    if (isReproError(error)) logger.error(`error: ${error.describe()}`);
    else logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return { success: false };
  }
}
