import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetConfiguration } from '@nx/devkit';
import { localSources } from '../stage-file/declared-reads';
import type { LoadedStage } from '../stage-file/load-stage';
import { workspacePackages } from '../stage-file/workspace-packages';
import { PLUGIN_NAME } from './plugin-options';

type TargetInput = NonNullable<TargetConfiguration['inputs']>[number];

/**
 * The code that does a stage's work: the kind's own package, the packages it lists and the
 * plugin's executor. A package whose code lives in this workspace is hashed as source globs
 * (Nx cannot hash workspace packages as external dependencies); an installed one by its
 * npm version (`externalDependencies`).
 */
function implementationInputs(workspaceRoot: string, stage: LoadedStage): TargetInput[] {
  const fileInputs: string[] = [];
  const external: string[] = [];
  for (const code of kindCode(workspaceRoot, stage)) {
    if (code.workspacePath === undefined) external.push(code.name);
    else fileInputs.push(`{workspaceRoot}/${code.workspacePath}/**/*.ts`, `!{workspaceRoot}/${code.workspacePath}/**/*.spec.ts`);
  }
  return [...fileInputs, { externalDependencies: [...new Set(external)].sort() }];
}

interface KindCode {
  name: string;
  /** Workspace-relative folder of its hashed sources; undefined for an installed package. */
  workspacePath?: string;
}

/** Each package whose code does the stage's work: the kind's packages, its own package, the plugin's executors. */
function kindCode(workspaceRoot: string, stage: LoadedStage): KindCode[] {
  const local = workspacePackages(workspaceRoot);
  const names = [...[...stage.registered.kind.packages].sort(), stage.registered.packageName, PLUGIN_NAME];
  return [...new Set(names)].map((name) => {
    const dir = local.get(name);
    if (dir === undefined) return { name };
    const sources = name === PLUGIN_NAME ? `${dir}/src/executors` : `${dir}/src`;
    return { name, workspacePath: existsSync(join(workspaceRoot, sources)) ? sources : dir };
  });
}

/**
 * Every upstream output file except lineage.json: an upstream rerun that writes the same
 * artifacts (say, after editing only its description) must not rerun this stage, and the
 * lineage record is the one output that records such edits.
 */
export const UPSTREAM_ARTIFACTS_GLOB = '**/!(lineage.json)';

/** Everything that can change a stage's artifacts, in the order `nx show target inputs` lists them. */
export function stageRunInputs(workspaceRoot: string, stage: LoadedStage): TargetInput[] {
  return [
    '{projectRoot}/**/*',
    '!{projectRoot}/out/**/*',
    '!{projectRoot}/**/*.md',
    ...localSources(workspaceRoot, stage).map((source) => `{workspaceRoot}/${source}`),
    { dependentTasksOutputFiles: UPSTREAM_ARTIFACTS_GLOB, transitive: true },
    ...implementationInputs(workspaceRoot, stage),
    { runtime: 'node --version' },
  ];
}
