import { existsSync, readFileSync } from 'node:fs';

import { defaultRunMetadataPath, type RunMetadata, runMetadataSchema } from '@reproml/core';
import { collectStageRun, type RecordRunResult, recordRun } from '@reproml/tracking';
import type { LoadedStage } from '../../stage-file/load-stage';
import { logger } from './nx-logger';

/**
 * Records an executed stage in the run store, after `runStage` finished (its `out/` and run
 * metadata are final). Never throws: a store problem is one warning line.
 */
export async function recordExecutedStage(params: { workspaceRoot: string; stage: LoadedStage; startedAt: Date; failure?: unknown }): Promise<RecordRunResult> {
  const { stage, workspaceRoot } = params;
  const result = await recordRun({
    workspaceRoot,
    collect: () => {
      const metadata = readRunMetadata(defaultRunMetadataPath(workspaceRoot, stage.identity.name));
      const failed = params.failure !== undefined;
      return collectStageRun({
        workspaceRoot,
        pipeline: stage.identity.pipeline,
        stage: stage.folder,
        outDir: stage.outputDir,
        project: stage.identity.name,
        kind: stage.identity.kind,
        stageFile: stage.identity.file,
        origin: 'executed',
        taskHash: process.env.NX_TASK_HASH || null,
        startedAt: metadata?.startedAt ?? params.startedAt.toISOString(),
        durationMs: metadata?.durationMs ?? Date.now() - params.startedAt.getTime(),
        status: failed ? 'failed' : 'succeeded',
        error: failed ? (metadata?.error ?? describe(params.failure)) : null,
        git: metadata?.git,
        host: metadata?.host,
      });
    },
  });
  if (result.recorded === false && result.reason === 'failed') logger.warn(`warning: ${result.warning}`);
  for (const warning of result.recorded ? result.warnings : []) logger.warn(`warning: ${warning}`);
  return result;
}

function readRunMetadata(path: string): RunMetadata | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = runMetadataSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
