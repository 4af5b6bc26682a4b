import { posix } from 'node:path';
import { upstreamStages } from '../stage-file/declared-reads';
import type { LoadedStage } from '../stage-file/load-stage';
import { stageRunInputs, workspaceLockfiles } from './stage-target-inputs';

/**
 * Git pathspecs of every file that a stage's result depends on: what the `run` target of
 * the stage and of every stage upstream of it hashes (`stageRunInputs`, the one list), so
 * "is this committed?" asks about exactly the files the cache key covers. Upstream outputs
 * are not files in git; the upstream stages' own inputs stand for them.
 */
export function stageChainPathspecs(workspaceRoot: string, stage: LoadedStage): string[] {
  const specs = new Set<string>();
  for (const upstream of upstreamStages(workspaceRoot, stage)) {
    if (upstream.stage) for (const spec of runInputPathspecs(workspaceRoot, upstream.stage)) specs.add(spec);
    // A stage file that does not load still belongs to the chain: its whole folder counts.
    else specs.add(`:(glob)${posix.dirname(upstream.stageFile)}/**`);
  }
  for (const spec of runInputPathspecs(workspaceRoot, stage)) specs.add(spec);
  return [...specs].sort();
}

/** One stage's `run` inputs as git pathspecs (file globs as they are, the lockfile for external packages). */
export function runInputPathspecs(workspaceRoot: string, stage: LoadedStage): string[] {
  const specs: string[] = [];
  for (const input of stageRunInputs(workspaceRoot, stage)) {
    if (typeof input === 'string') {
      const exclude = input.startsWith('!');
      const path = (exclude ? input.slice(1) : input).replace('{projectRoot}', stage.root).replace('{workspaceRoot}/', '');
      const magic = /[*?[]/.test(path) ? 'glob' : 'literal';
      specs.push(`:(${exclude ? `exclude,${magic}` : magic})${path}`);
    } else if ('externalDependencies' in input) {
      for (const lockfile of workspaceLockfiles(workspaceRoot)) specs.push(`:(literal)${lockfile}`);
    }
    // dependentTasksOutputFiles: outputs, covered by the upstream stages' own inputs; runtime: not a file.
  }
  return specs;
}
