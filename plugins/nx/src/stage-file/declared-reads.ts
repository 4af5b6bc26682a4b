import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ReadScope, STAGE_FILE_NAME, stageOutputDir } from '@reproml/core';
import { type HashedTree, hashedReproCode, hashedStageFolder, hashedUpstreamOutput, localSources } from '../plugin/stage-target-inputs';
import { type LoadedStage, loadStage } from './load-stage';

/**
 * What a stage may touch inside the workspace in strict mode, as absolute paths.
 * `reads`: what its `run` target hashes (stage folder, upstream outputs, local sources,
 * ReproML code, from the same functions that build the target's inputs, and the JavaScript
 * compiled from that code, which is what runs), plus installed
 * packages (`node_modules`, hashed by version for the npm packages its kind lists, or
 * through the lockfile for a kind that `importsAnyPackage`), what its
 * kind adds (`extraReadPaths`) and state its kind owns (`ownedPaths`). `writes`: that state
 * (the temp output and run folders are added by `runStage`).
 */
export function declaredAccess(workspaceRoot: string, stage: LoadedStage): { reads: ReadScope[]; writes: string[] } {
  const scope = (tree: HashedTree): ReadScope => ({ ...tree, path: join(workspaceRoot, tree.root) });
  // A kind that hashes upstream lineage records (push) may read them.
  const upstream = upstreamOutputDirs(workspaceRoot, stage).map((outDir) =>
    stage.kind.hashesUpstreamLineage === true ? { root: outDir } : hashedUpstreamOutput(outDir),
  );
  const owned = stage.kind.ownedPaths?.(workspaceRoot) ?? [];
  const extra = stage.kind.extraReadPaths?.(workspaceRoot) ?? [];
  const code = hashedReproCode(workspaceRoot, stage);
  return {
    reads: [
      scope(hashedStageFolder(stage)),
      ...upstream.map(scope),
      ...localSources(workspaceRoot, stage).map((source) => ({ path: join(workspaceRoot, source) })),
      ...code.trees.map(scope),
      ...code.compiled.map((folder) => ({ path: join(workspaceRoot, folder) })),
      { path: join(workspaceRoot, 'node_modules') },
      ...[...extra, ...owned].map((path) => ({ path })),
    ],
    writes: owned,
  };
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

/** Every stage upstream of `stage` through its named inputs (and a swept stage's points), transitively, each once. */
export function upstreamStages(workspaceRoot: string, stage: LoadedStage, seen = new Map<string, UpstreamStage>()): UpstreamStage[] {
  addSweepPoints(stage, seen);
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

/** A swept stage's points and a cross-validated stage's folds are upstream of it (its run reads their scores). */
function addSweepPoints(stage: LoadedStage, seen: Map<string, UpstreamStage>): void {
  for (const point of [...(stage.points ?? []), ...(stage.folds ?? []), ...(stage.points ?? []).flatMap((each) => each.folds ?? [])]) {
    if (!seen.has(point.outputDir)) seen.set(point.outputDir, { outDir: point.outputDir, stageFile: point.identity.file, stage: point });
  }
}
