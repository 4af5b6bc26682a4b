import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { STAGE_FILE_NAME, stageOutputDir } from '@reproml/core';
import { type LoadedStage, loadStage } from './load-stage';

const URL_SOURCE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Workspace-relative local sources the stage's kind names (a pull stage's local datasets; URLs and Hub sources excluded). */
export function localSources(workspaceRoot: string, stage: LoadedStage): string[] {
  return (stage.kind.sources?.(stage.config) ?? []).filter((source) => !URL_SOURCE.test(source) && existsSync(join(workspaceRoot, source))).sort();
}

/**
 * Everything inside the workspace a stage may read in strict mode, as absolute paths: the
 * same things its `run` target hashes (stage folder, upstream outputs, local sources,
 * code and installed packages).
 */
export function declaredReadPaths(workspaceRoot: string, stage: LoadedStage): string[] {
  return [
    join(workspaceRoot, stage.root),
    ...upstreamOutputDirs(workspaceRoot, stage).map((outDir) => join(workspaceRoot, outDir)),
    ...localSources(workspaceRoot, stage).map((source) => join(workspaceRoot, source)),
    ...(stage.kind.extraReadPaths?.(workspaceRoot) ?? []),
    join(workspaceRoot, 'node_modules'),
    join(workspaceRoot, 'packages'),
    join(workspaceRoot, 'plugins'),
  ];
}

/**
 * Output folders of every stage upstream, transitively: `run` hashes them all
 * (`dependentTasksOutputFiles` with `transitive: true`), so reading them is declared
 * (a push follows lineage records back to the pull stage).
 */
function upstreamOutputDirs(workspaceRoot: string, stage: LoadedStage): string[] {
  return upstreamStages(workspaceRoot, stage).map((upstream) => upstream.outDir);
}

export interface UpstreamStage {
  /** Workspace-relative output folder and stage file. */
  outDir: string;
  stageFile: string;
  /** The loaded stage; undefined when its file is missing or invalid (that project fails on its own). */
  stage?: LoadedStage;
}

/** Every stage upstream of `stage` through its named inputs, transitively, each once. */
export function upstreamStages(workspaceRoot: string, stage: LoadedStage, seen = new Map<string, UpstreamStage>()): UpstreamStage[] {
  for (const reference of Object.values(stage.config.inputs)) {
    const outDir = stageOutputDir(stage.identity.pipeline, reference);
    if (seen.has(outDir)) continue;
    const stageFile = outDir.replace(/\/out$/, `/${STAGE_FILE_NAME}`);
    const entry: UpstreamStage = { outDir, stageFile };
    seen.set(outDir, entry);
    if (!existsSync(join(workspaceRoot, stageFile))) continue;
    try {
      entry.stage = loadStage(workspaceRoot, stageFile, stage.registry);
    } catch {
      continue; // an invalid upstream stage file fails its own project; its direct output stays allowed
    }
    upstreamStages(workspaceRoot, entry.stage, seen);
  }
  return [...seen.values()];
}
