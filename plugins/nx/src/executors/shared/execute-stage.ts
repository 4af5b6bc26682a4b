import { join, posix } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import {
  createProgressReporter,
  createStageRunContext,
  isReproError,
  runStage,
  type StageContext,
  selectSweepPoint,
  summarizeCrossValidation,
} from '@reproml/core';
import { pluginOptionsFromNxJson } from '../../plugin/plugin-options';
import { stageChainPathspecs } from '../../plugin/stage-provenance';
import { declaredAccess } from '../../stage-file/declared-reads';
import { foldStage, type LoadedStage, loadStage, sweepPointStage } from '../../stage-file/load-stage';
import { stageKindRegistry } from '../../stage-file/stage-kinds';
import { askOnTerminal } from './ask-on-terminal';
import { packageResolutionRoots, recordedPackages } from './environment-packages';
import { logger } from './nx-logger';
import { recordExecutedStage } from './record-stage-run';
import type { StageExecutorOptions } from './stage-executor-options';

export interface ExecutorResult {
  success: boolean;
}

/** The stage file, validated with every kind nx.json registers (the ones the plugin saw); for a sweep point's project, that point's stage. */
function loadExecutedStage(options: StageExecutorOptions, context: ExecutorContext): LoadedStage {
  const registry = stageKindRegistry(context.root, pluginOptionsFromNxJson(context.nxJsonConfiguration).kinds);
  const stage = loadStage(context.root, options.stageFile, registry);
  const owner = typeof options.point === 'string' ? sweepPointStage(stage, options.point) : stage;
  return typeof options.fold === 'number' ? foldStage(owner, options.fold) : owner;
}

/** The work of a stage: its kind's `run`, or for a swept stage the selection among its points. */
function stageWork(context: ExecutorContext, stage: LoadedStage): (stageContext: StageContext) => Promise<void> {
  const { points, kind } = stage;
  const { sweep } = stage.config;
  if (points && sweep && kind.sweep) {
    const spec = kind.sweep;
    return async (stageContext) => {
      await selectSweepPoint({
        context: stageContext,
        select: sweep.select,
        spec,
        points: points.map((point) => ({ point: point.point!.point, project: point.identity.name, outDir: join(context.root, point.outputDir) })),
      });
    };
  }
  const { crossValidation } = stage.config;
  return async (stageContext) => {
    await kind.run(
      createStageRunContext(stageContext, {
        stageDir: join(context.root, posix.dirname(stage.identity.file)),
        inputs: stage.config.inputs,
        describeInput: (name) => kind.inputs[name]?.description,
        fold: stage.fold?.spec,
      }),
      stage.config,
    );
    const { folds } = stage;
    if (folds && kind.sweep && crossValidation) {
      await summarizeCrossValidation({
        context: stageContext,
        spec: kind.sweep,
        config: crossValidation,
        folds: folds.map((fold) => ({ project: fold.identity.name, outDir: join(context.root, fold.outputDir) })),
      });
    }
  };
}

/**
 * Runs a stage: load and validate the stage file, run the kind's `run` inside `runStage`
 * (atomic outputs, lineage record, run metadata, strict reads and writes), record the run, and turn
 * failures into one readable error.
 */
export async function executeStage(options: StageExecutorOptions, context: ExecutorContext): Promise<ExecutorResult> {
  return reportFailures(async () => {
    const stage = loadExecutedStage(options, context);
    const { $schema: _editorOnly, ...config } = stage.config as Record<string, unknown>;
    const startedAt = new Date();
    const result = await runStage({
      stage: stage.identity,
      config,
      seed: stage.config.seed,
      timeout: stage.config.timeout,
      retries: stage.config.retries,
      workspaceRoot: context.root,
      outputDir: join(context.root, stage.outputDir),
      packages: recordedPackages(stage.registered),
      resolvePackagesFrom: packageResolutionRoots(stage.registered),
      strict: stage.config.strict === false ? undefined : declaredAccess(context.root, stage),
      gitPathspecs: stageChainPathspecs(context.root, stage),
      work: stageWork(context, stage),
    }).catch(async (failure: unknown) => {
      await recordExecutedStage({ workspaceRoot: context.root, stage, startedAt, failure });
      throw failure;
    });
    await recordExecutedStage({ workspaceRoot: context.root, stage, startedAt });
    logger.info(`wrote ${result.lineage.outputs.length} artifact(s) to ${stage.outputDir} in ${result.metadata.durationMs} ms`);
  });
}

/** Runs an extra target of the stage's kind (e.g. `lock`): uncached, outside `runStage`. */
export async function executeStageTarget(options: StageExecutorOptions, context: ExecutorContext, targetName: string): Promise<ExecutorResult> {
  return reportFailures(async () => {
    const stage = loadExecutedStage(options, context);
    const target = stage.kind.extraTargets[targetName];
    if (!target) throw new Error(`Stage kind '${stage.kind.name}' has no target '${targetName}'`);
    await target.run(
      {
        stage: stage.identity,
        workspaceRoot: context.root,
        stageDir: join(context.root, stage.root),
        progress: createProgressReporter({ prefix: stage.identity.name }),
        options: targetOptions(options),
        log: (message) => logger.info(message),
        warn: (message) => logger.warn(`warning: ${message}`),
        ask: askOnTerminal,
      },
      stage.config,
    );
  });
}

/** The executor options meant for the target (everything but what the plugin sets). */
function targetOptions(options: StageExecutorOptions): Record<string, unknown> {
  const { stageFile: _stageFile, target: _target, ...rest } = options;
  return rest;
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
