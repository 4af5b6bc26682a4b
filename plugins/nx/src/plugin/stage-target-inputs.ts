import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import type { TargetConfiguration } from '@nx/devkit';
import type { LoadedStage } from '../stage-file/load-stage';

type TargetInput = NonNullable<TargetConfiguration['inputs']>[number];

/** Where ReproML's own code for a stage kind lives, when it is part of this workspace. */
function workspacePackageRoot(workspaceRoot: string, packageName: string): string | undefined {
  try {
    // Resolved from the plugin itself: it depends on every ReproML package a stage kind uses.
    const manifest = createRequire(__filename).resolve(`${packageName}/package.json`);
    const real = dirname(realpathSync(manifest));
    const inside = relative(workspaceRoot, real);
    if (inside.startsWith('..') || inside.split(/[\\/]/).includes('node_modules')) return undefined;
    return inside.split('\\').join('/');
  } catch {
    return undefined;
  }
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
    const root = workspacePackageRoot(workspaceRoot, packageName);
    if (root === undefined) {
      external.push(packageName);
      continue;
    }
    const sourceRoot = short === 'nx' ? `${root}/src/executors` : `${root}/src`;
    fileInputs.push(`{workspaceRoot}/${sourceRoot}/**/*.ts`, `!{workspaceRoot}/${sourceRoot}/**/*.spec.ts`);
  }
  return [...fileInputs, { externalDependencies: [...new Set(external)].sort() }];
}

/** Local source files a pull stage reads (relative to the workspace), so editing one reruns the stage. */
function localSourceInputs(workspaceRoot: string, stage: LoadedStage): string[] {
  if (stage.identity.kind !== 'pull') return [];
  const files = (stage.config as { files?: Record<string, { source: string }> }).files ?? {};
  return Object.values(files)
    .map((spec) => spec.source)
    .filter((source) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && existsSync(join(workspaceRoot, source)))
    .sort()
    .map((source) => `{workspaceRoot}/${source}`);
}

/** Everything that can change a stage's artifacts, in the order `nx show target inputs` lists them. */
export function stageRunInputs(workspaceRoot: string, stage: LoadedStage): TargetInput[] {
  return [
    '{projectRoot}/**/*',
    '!{projectRoot}/out/**/*',
    '!{projectRoot}/**/*.md',
    ...localSourceInputs(workspaceRoot, stage),
    { dependentTasksOutputFiles: '**/*', transitive: true },
    ...implementationInputs(workspaceRoot, stage),
    { runtime: 'node --version' },
  ];
}
