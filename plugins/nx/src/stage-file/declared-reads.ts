import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stageOutputDir, type LoadedStage } from './load-stage';

const URL_SOURCE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Workspace-relative local dataset sources of a pull stage (URLs and Hub sources excluded). */
export function localSources(workspaceRoot: string, stage: LoadedStage): string[] {
  if (stage.identity.kind !== 'pull') return [];
  const files = (stage.config as { files?: Record<string, { source: string }> }).files ?? {};
  return Object.values(files)
    .map((spec) => spec.source)
    .filter((source) => !URL_SOURCE.test(source) && existsSync(join(workspaceRoot, source)))
    .sort();
}

/**
 * Everything inside the workspace a stage may read in strict mode, as absolute paths: the
 * same things its `run` target hashes (stage folder, upstream outputs, local sources,
 * code and installed packages).
 */
export function declaredReadPaths(workspaceRoot: string, stage: LoadedStage): string[] {
  return [
    join(workspaceRoot, stage.root),
    ...Object.values(stage.config.inputs).map((reference) => join(workspaceRoot, stageOutputDir(stage.identity.pipeline, reference))),
    ...localSources(workspaceRoot, stage).map((source) => join(workspaceRoot, source)),
    join(workspaceRoot, 'node_modules'),
    join(workspaceRoot, 'packages'),
    join(workspaceRoot, 'plugins'),
  ];
}
