import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetConfiguration } from '@nx/devkit';
import { localSources } from '../stage-file/declared-reads';
import type { LoadedStage } from '../stage-file/load-stage';

type TargetInput = NonNullable<TargetConfiguration['inputs']>[number];

/** Workspace folders where ReproML's own packages live when the workspace is ReproML's monorepo. */
const WORKSPACE_PACKAGE_DIRS: Record<string, string> = { nx: 'plugins/nx' };

/** Where ReproML's own code for a stage kind lives, when it is part of this workspace. */
function workspacePackageRoot(workspaceRoot: string, short: string): string | undefined {
  const root = WORKSPACE_PACKAGE_DIRS[short] ?? `packages/${short}`;
  const manifest = join(workspaceRoot, root, 'package.json');
  if (!existsSync(manifest)) return undefined;
  const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
  return name === `@reproml/${short}` ? root : undefined;
}

/**
 * The code that does a stage's work: ReproML packages as source globs while they live in
 * this workspace (Nx cannot hash workspace packages as external dependencies), or as
 * npm packages when installed from the registry.
 */
function implementationInputs(workspaceRoot: string, stage: LoadedStage): TargetInput[] {
  const fileInputs: string[] = [];
  const external: string[] = [...stage.kind.externalPackages];
  for (const short of [...stage.kind.reproPackages, 'nx']) {
    const packageName = `@reproml/${short}`;
    const root = workspacePackageRoot(workspaceRoot, short);
    if (root === undefined) {
      external.push(packageName);
      continue;
    }
    const sourceRoot = short === 'nx' ? `${root}/src/executors` : `${root}/src`;
    fileInputs.push(`{workspaceRoot}/${sourceRoot}/**/*.ts`, `!{workspaceRoot}/${sourceRoot}/**/*.spec.ts`);
  }
  return [...fileInputs, { externalDependencies: [...new Set(external)].sort() }];
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
