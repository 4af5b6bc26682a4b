import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetConfiguration } from '@nx/devkit';
import { localSources } from '../stage-file/declared-reads';
import type { LoadedStage } from '../stage-file/load-stage';
import { installedPackageDir, owningPackage, workspacePackagePath } from '../stage-file/stage-kinds';

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

/** Each package whose code does the stage's work, in a stable order. */
function kindCode(workspaceRoot: string, stage: LoadedStage): KindCode[] {
  const { registered } = stage;
  const plugin = owningPackage(__filename);
  const codes: KindCode[] = [];
  const seen = new Set<string>();
  const add = (name: string, dir: string | undefined, subfolder: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const path = dir === undefined ? undefined : workspacePackagePath(workspaceRoot, dir);
    codes.push({ name, workspacePath: path === undefined ? undefined : sourceFolder(path, subfolder, dir!) });
  };
  for (const name of [...registered.kind.packages].sort()) add(name, installedPackageDir(name, registered.packageDir), 'src');
  add(registered.packageName, registered.packageDir, 'src');
  add(plugin.name, plugin.dir, 'src/executors');
  return codes;
}

/** `<package>/src` (or the given subfolder) when it exists, else the package folder. */
function sourceFolder(path: string, subfolder: string, dir: string): string {
  return existsSync(join(dir, subfolder)) ? `${path}/${subfolder}` : path;
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
