import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger, type PostTasksExecution } from '@nx/devkit';
import { type GitState, locationOutputDir, parseStageRoot, readGitState, STAGE_FILE_NAME, stageRootDir } from '@reproml/core';
import { normalizeOptions, type ReproMLPluginOptions } from './plugin-options';
import { RESTORED_STATUSES } from './restored-statuses';

/**
 * Nx calls this after every `nx run`/`run-many`. Executed stages were recorded by their
 * executor; here the stages Nx restored from a cache are recorded, marked as restores, with
 * the task hash and the restored lineage. Never fails the command.
 */
export const postTasksExecution: PostTasksExecution<ReproMLPluginOptions> = async (options, context) => {
  const { runTargetName } = normalizeOptions(options);
  const restored = Object.values(context.taskResults).filter((result) => result.task.target.target === runTargetName && RESTORED_STATUSES.has(result.status));
  if (restored.length === 0) return;
  try {
    // The run store (SQLite or PostgreSQL client) loads only when there is something to record.
    const { collectStageRun, recordRuns } = await import('@reproml/tracking');
    // One `git status` for the whole tree; per-stage ones only when something is uncommitted.
    const tree = readGitState(context.workspaceRoot);
    // The stage kinds (zod schemas) load only then: a warm graph cache did not load them for this command.
    const chain = tree?.dirty ? await stageChainLoader() : undefined;
    // All restores of this command in one connection and one transaction.
    const recorded = await recordRuns({
      workspaceRoot: context.workspaceRoot,
      collect: () =>
        restored.flatMap((result) => {
          const { task } = result;
          const location = parseStageRoot(task.projectRoot ?? '');
          if (!location) return [];
          const { pipeline, stage } = location;
          const stageFile = `${stageRootDir(pipeline, stage)}/${STAGE_FILE_NAME}`;
          if (!existsSync(join(context.workspaceRoot, stageFile))) return [];
          const startTime = task.startTime ?? context.startTime;
          return [
            collectStageRun({
              workspaceRoot: context.workspaceRoot,
              pipeline,
              stage,
              outDir: locationOutputDir(location),
              project: task.target.project,
              kind: stageKind(context.workspaceRoot, stageFile),
              stageFile,
              origin: 'cache',
              cacheSource: result.status,
              taskHash: task.hash ?? null,
              startedAt: new Date(startTime).toISOString(),
              durationMs: (task.endTime ?? context.endTime) - startTime,
              status: 'succeeded',
              git: chain ? stageGitState(context.workspaceRoot, stageFile, chain) : tree,
            }),
          ];
        }),
    });
    if (recorded.recorded === false && recorded.reason === 'failed') {
      logger.warn(
        `warning: ${recorded.warning.replace('run not recorded (the stage itself is unaffected)', 'cache restores not recorded (the stages are unaffected)')}`,
      );
    }
  } catch (error) {
    logger.warn(`warning: cache restores not recorded: ${error instanceof Error ? error.message : String(error)}`);
  }
};

type StageChainPathspecs = (workspaceRoot: string, stageFile: string) => string[];

async function stageChainLoader(): Promise<StageChainPathspecs> {
  const [{ loadStage }, { stageChainPathspecs }] = await Promise.all([import('../stage-file/load-stage.ts'), import('./stage-provenance.ts')]);
  return (workspaceRoot, stageFile) => stageChainPathspecs(workspaceRoot, loadStage(workspaceRoot, stageFile));
}

/** The same rule as an executed stage's run metadata: dirty when a file of the stage's chain is uncommitted. */
function stageGitState(workspaceRoot: string, stageFile: string, chainPathspecs: StageChainPathspecs): GitState | undefined {
  try {
    return readGitState(workspaceRoot, { pathspecs: chainPathspecs(workspaceRoot, stageFile) });
  } catch {
    return readGitState(workspaceRoot); // an invalid stage file: the whole tree decides
  }
}

function stageKind(workspaceRoot: string, stageFile: string): string {
  try {
    const kind = JSON.parse(readFileSync(join(workspaceRoot, stageFile), 'utf8')).kind;
    return typeof kind === 'string' ? kind : 'unknown';
  } catch {
    return 'unknown';
  }
}
