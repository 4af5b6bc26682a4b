import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeEnvironmentChanges, diffEnvironment, digestFiles, LINEAGE_FILE, lineageRecordSchema, type ProgressListener } from '@reproml/core';
import { compareFiles, type FileComparison } from './compare-artifacts';
import { currentEnvironment } from './current-environment';
import { runNx } from './run-nx';
import { createScratchCopy } from './scratch-copy';
import { pipelineStages } from './stage-layout';
import { uncachedStages } from './uncached-stages';

export interface StageVerdict {
  project: string;
  outDir: string;
  verdict: 'bit-identical' | 'different' | 'missing';
  files: FileComparison[];
}

export interface VerifyReport {
  pipeline: string;
  stages: StageVerdict[];
  identical: boolean;
  /** Stages whose reference artifacts were produced in another environment, and what changed. */
  environmentWarnings: string[];
}

export interface VerifyPipelineParams {
  workspaceRoot: string;
  pipeline: string;
  onProgress?: ProgressListener;
  /** Keep the scratch copy for inspection. */
  keepScratch?: boolean;
}

/**
 * Re-executes every stage of a pipeline without any cache in a scratch copy of the
 * workspace and compares each artifact byte for byte with the workspace's own outputs
 * (restored from the cache, or run, first).
 */
export async function verifyPipeline(params: VerifyPipelineParams): Promise<VerifyReport> {
  const progress = params.onProgress ?? (() => undefined);
  // Uncached stages (a push) act outside the workspace: a verify run must never run them from its scratch copy.
  const uncached = uncachedStages(params.workspaceRoot);
  const stages = pipelineStages(params.workspaceRoot, params.pipeline).filter((stage) => !uncached.has(stage.project));
  const projects = `tag:pipeline:${params.pipeline}`;
  const excludeUncached = uncached.size ? ['--exclude', [...uncached].join(',')] : [];
  progress({ type: 'phase', phase: 'reference', detail: `restoring or running ${stages.length} stage(s) in the workspace` });
  runNx({ workspaceRoot: params.workspaceRoot, args: ['run-many', '-t', 'run', '--projects', projects, ...excludeUncached, '--output-style=stream'] });

  progress({ type: 'phase', phase: 'rerun', detail: 'every stage again without any cache, in a scratch copy' });
  const scratch = createScratchCopy(params.workspaceRoot);
  try {
    runNx({
      workspaceRoot: scratch,
      args: ['run-many', '-t', 'run', '--projects', projects, ...excludeUncached, '--skip-nx-cache', '--output-style=stream'],
      // The rerun is a check, not an experiment: it stays out of the run store (and a scratch
      // copy without .git would otherwise get a store file of its own).
      env: { NX_CACHE_DIRECTORY: join(scratch, '.nx-verify-cache'), NX_SKIP_REMOTE_CACHE: 'true', REPROML_TRACKING: 'off' },
    });
    progress({ type: 'phase', phase: 'compare', detail: `${stages.length} output folder(s)` });
    const verdicts: StageVerdict[] = [];
    for (const stage of stages) {
      verdicts.push(await compareStageOutputs(stage.project, join(params.workspaceRoot, stage.outDir), join(scratch, stage.outDir), stage.outDir));
    }
    return {
      pipeline: params.pipeline,
      stages: verdicts,
      identical: verdicts.every((stage) => stage.verdict === 'bit-identical'),
      environmentWarnings: environmentWarnings(
        params.workspaceRoot,
        stages.map((stage) => stage.outDir),
      ),
    };
  } finally {
    if (!params.keepScratch) rmSync(scratch, { recursive: true, force: true });
  }
}

function environmentWarnings(workspaceRoot: string, outDirs: string[]): string[] {
  const warnings: string[] = [];
  for (const outDir of outDirs) {
    const path = join(workspaceRoot, outDir, LINEAGE_FILE);
    if (!existsSync(path)) continue;
    const record = lineageRecordSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!record.success) continue;
    const current = currentEnvironment(workspaceRoot, Object.keys(record.data.environment.packages));
    const changes = describeEnvironmentChanges(diffEnvironment(record.data.environment, current));
    if (changes.length) warnings.push(`${record.data.stage.name} was produced in another environment: ${changes.join('; ')}`);
  }
  return warnings;
}

async function compareStageOutputs(project: string, reference: string, rerun: string, outDir: string): Promise<StageVerdict> {
  if (!existsSync(reference) || !existsSync(rerun)) return { project, outDir, verdict: 'missing', files: [] };
  const referenceFiles = new Set((await digestFiles(reference)).map((file) => file.path));
  const rerunFiles = new Set((await digestFiles(rerun)).map((file) => file.path));
  const files: FileComparison[] = [];
  for (const path of [...new Set([...referenceFiles, ...rerunFiles])].sort()) {
    if (!referenceFiles.has(path)) files.push({ path, status: 'missing-in-reference' });
    else if (!rerunFiles.has(path)) files.push({ path, status: 'missing-in-rerun' });
    else files.push(compareFiles(path, join(reference, path), join(rerun, path)));
  }
  const identical = files.every((file) => file.status === 'identical');
  return { project, outDir, verdict: identical ? 'bit-identical' : 'different', files };
}
