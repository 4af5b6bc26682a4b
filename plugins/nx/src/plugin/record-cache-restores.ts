import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PostTasksExecution, PostTasksExecutionContext } from '@nx/devkit';
// Light (no zod, no SQLite): this runs in Nx's process after every command that restored a stage.
import { locationOutputDir, parseStageRoot, readGitState, readGitStates, STAGE_FILE_NAME, stageRootDir } from '@reproml/core/layout';
import type { RunRecord } from '@reproml/tracking';
import { collectStageRun, journalRuns, trackingEnabled } from '@reproml/tracking/journal';
import { cachedGraphResult, pluginKeyParts } from './graph-cache';
import { nxWarn } from './nx-warn';
import { normalizeOptions, type ReproMLPluginOptions } from './plugin-options';
import { RESTORED_STATUSES } from './restored-statuses';

type TaskResult = PostTasksExecutionContext['taskResults'][string];

/**
 * Nx calls this after every `nx run`/`run-many`. Executed stages were recorded by their
 * executor; here the stages Nx restored from a cache are recorded, marked as restores, with
 * the task hash and the restored lineage. With a SQLite run store (the default) they go to the
 * store's journal, one append that loads neither SQLite nor zod, and the store folds them in
 * when it is next opened (before any read); a PostgreSQL store, shared, records them at once.
 * Never fails the command.
 */
export const postTasksExecution: PostTasksExecution<ReproMLPluginOptions> = async (options, context) => {
  const { runTargetName } = normalizeOptions(options);
  const restored = Object.values(context.taskResults).filter((result) => result.task.target.target === runTargetName && RESTORED_STATUSES.has(result.status));
  if (restored.length === 0 || !trackingEnabled()) return;
  try {
    const collect = await restoreCollector(context, options, restored);
    const journaled = journalRuns({ workspaceRoot: context.workspaceRoot, collect });
    if (journaled.journaled || journaled.reason === 'disabled') return;
    if (journaled.reason === 'failed') {
      nxWarn(restoresWarning(journaled.warning));
      return;
    }
    // A shared (PostgreSQL) store: all restores of this command in one connection and one transaction.
    const { recordRuns } = await import('@reproml/tracking');
    const recorded = await recordRuns({ workspaceRoot: context.workspaceRoot, collect });
    if (recorded.recorded === false && recorded.reason === 'failed') {
      nxWarn(restoresWarning(recorded.warning));
    }
  } catch (error) {
    nxWarn(`warning: cache restores not recorded: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/** A recording warning, about the restores rather than one stage. */
function restoresWarning(warning: string): string {
  return `warning: ${warning.replace('run not recorded (the stage itself is unaffected)', 'cache restores not recorded (the stages are unaffected)')}`;
}

/** Builds the run records of the restores (called only when tracking is on). */
async function restoreCollector(
  context: PostTasksExecutionContext,
  options: ReproMLPluginOptions | undefined,
  restored: readonly TaskResult[],
): Promise<() => RunRecord[]> {
  const stages = restored.flatMap((result) => {
    const location = parseStageRoot(result.task.projectRoot ?? '');
    if (!location) return [];
    const stageFile = `${stageRootDir(location.pipeline, location.stage)}/${STAGE_FILE_NAME}`;
    return existsSync(join(context.workspaceRoot, stageFile)) ? [{ result, location, stageFile }] : [];
  });
  // One `git status` for the whole tree; per-stage ones only when something is uncommitted.
  const tree = readGitState(context.workspaceRoot);
  // The same rule as an executed stage's run metadata: dirty when a file of the stage's chain is
  // uncommitted (a stage file that does not load: the whole tree decides).
  const chains = tree?.dirty
    ? await stageChainPathspecs(
        context.workspaceRoot,
        options,
        stages.map((stage) => stage.stageFile),
      )
    : undefined;
  const states = chains
    ? await readGitStates(
        context.workspaceRoot,
        stages.map(({ stageFile }) => ({ pathspecs: chains[stageFile] ?? undefined })),
      )
    : stages.map(() => tree);
  return () =>
    stages.map(({ result, location, stageFile }, index) => {
      const { task } = result;
      const startTime = task.startTime ?? context.startTime;
      return collectStageRun({
        workspaceRoot: context.workspaceRoot,
        pipeline: location.pipeline,
        stage: location.stage,
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
        git: states[index],
      });
    });
}

/**
 * Each stage file's chain as git pathspecs (stage-provenance.ts), or null for a stage file that
 * does not load. Computing them loads the stage kinds (zod schemas), which a warm graph cache did
 * not load for this command; so they are kept in the graph cache too, valid while the stage
 * files they were computed from are unchanged.
 */
async function stageChainPathspecs(
  workspaceRoot: string,
  options: ReproMLPluginOptions | undefined,
  stageFiles: readonly string[],
): Promise<Record<string, string[] | null>> {
  const sorted = [...stageFiles].sort();
  return cachedGraphResult({
    name: 'stage-chains',
    workspaceRoot,
    keyParts: [pluginKeyParts(workspaceRoot, options, normalizeOptions(options).kinds), sorted],
    compute: async () => {
      const [{ loadStage }, { stageKindRegistry }, provenance] = await Promise.all([
        import('../stage-file/load-stage.ts'),
        import('../stage-file/stage-kinds.ts'),
        import('./stage-provenance.ts'),
      ]);
      // The workspace's kinds, the registered ones (nx.json) included.
      const registry = stageKindRegistry(workspaceRoot, normalizeOptions(options).kinds);
      const chains: Record<string, string[] | null> = {};
      for (const stageFile of sorted) {
        try {
          chains[stageFile] = provenance.stageChainPathspecs(workspaceRoot, loadStage(workspaceRoot, stageFile, registry));
        } catch {
          chains[stageFile] = null;
        }
      }
      return chains;
    },
    warn: nxWarn,
  });
}

function stageKind(workspaceRoot: string, stageFile: string): string {
  try {
    const kind = JSON.parse(readFileSync(join(workspaceRoot, stageFile), 'utf8')).kind;
    return typeof kind === 'string' ? kind : 'unknown';
  } catch {
    return 'unknown';
  }
}
