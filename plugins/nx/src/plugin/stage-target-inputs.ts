import { join, posix, relative, sep } from 'node:path';
import type { TargetConfiguration } from '@nx/devkit';
import { CROSS_VALIDATION_DIR, LINEAGE_FILE, SWEEP_POINTS_DIR } from '@reproml/core';
import type { StateInputMetadata } from '../executors/stage/state-input-metadata';
import type { LoadedStage } from '../stage-file/load-stage';
import { workspacePackages } from '../stage-file/workspace-packages';
import { graphPathExists } from './graph-inputs';
import { PLUGIN_NAME } from './plugin-options';

type TargetInput = NonNullable<TargetConfiguration['inputs']>[number];

/**
 * A folder (or file) whose files the `run` target hashes, with the same narrowing rules a
 * strict stage's reads are checked against (`ReadScope` in @reproml/core): one description
 * gives both the Nx input globs and what the stage may read.
 */
export interface HashedTree {
  /** Workspace-relative file or folder. */
  root: string;
  /** Only files whose names end with one of these. */
  extensions?: readonly string[];
  /** `<folder>/`, `**\/*<ending>` or `**\/<name>`: not hashed (and not readable). */
  except?: readonly string[];
}

/** A stage folder: everything but its outputs and its Markdown (and its sweep points and folds, which are projects of their own). */
export function hashedStageFolder(stage: LoadedStage): HashedTree {
  const variants = [...(stage.points ? [`${SWEEP_POINTS_DIR}/`] : []), ...(stage.folds ? [`${CROSS_VALIDATION_DIR}/`] : [])];
  return { root: stage.root, except: ['out/', ...variants, '**/*.md'] };
}

/** An upstream output folder: every artifact but its lineage record (see UPSTREAM_ARTIFACTS_GLOB). */
export function hashedUpstreamOutput(outDir: string): HashedTree {
  return { root: outDir, except: [`**/${LINEAGE_FILE}`] };
}

const URL_SOURCE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Lockfiles that pin the installed npm packages (Nx reads `externalDependencies` versions from them). */
export const LOCKFILES = ['pnpm-lock.yaml', 'package-lock.json', 'yarn.lock'];

/** The workspace's lockfiles that exist, workspace-relative. */
export function workspaceLockfiles(workspaceRoot: string): string[] {
  return LOCKFILES.filter((lockfile) => graphPathExists(join(workspaceRoot, lockfile)));
}

/** Workspace-relative local sources the stage's kind names (a pull stage's local datasets; URLs and Hub sources excluded). */
export function localSources(workspaceRoot: string, stage: LoadedStage): string[] {
  return (stage.kind.sources?.(stage.config) ?? []).filter((source) => !URL_SOURCE.test(source) && graphPathExists(join(workspaceRoot, source))).sort();
}

/**
 * The ReproML code a stage hashes: the kind's own package, the packages it lists and the
 * plugin's executor. A package whose code lives in this workspace is a source tree (Nx cannot
 * hash workspace packages as external dependencies); an installed one is hashed by its npm
 * version (`externalDependencies`). The `run` target's inputs and the stage's strict reads
 * both come from here. `compiled`: each workspace package's `dist/` folder, the JavaScript
 * compiled from those sources that actually runs (tools/compile-packages.cjs): readable, not
 * hashed (it follows from the hashed sources).
 */
export function hashedReproCode(workspaceRoot: string, stage: LoadedStage): { trees: HashedTree[]; npmPackages: string[]; compiled: string[] } {
  const trees: HashedTree[] = [];
  const npmPackages: string[] = [];
  const compiled: string[] = [];
  for (const code of kindCode(workspaceRoot, stage)) {
    if (code.workspacePath === undefined) npmPackages.push(code.name);
    else trees.push({ root: code.workspacePath, extensions: ['.ts'], except: ['**/*.spec.ts'] });
    if (code.compiledPath !== undefined) compiled.push(code.compiledPath);
  }
  return { trees, npmPackages: [...new Set(npmPackages)].sort(), compiled };
}

interface KindCode {
  name: string;
  /** Workspace-relative folder of its hashed sources; undefined for an installed package. */
  workspacePath?: string;
  /** Workspace-relative folder of its compiled JavaScript (`<package>/dist`); undefined for an installed package. */
  compiledPath?: string;
}

/** Each package whose code does the stage's work: the kind's packages, its own package, the plugin's executors. */
function kindCode(workspaceRoot: string, stage: LoadedStage): KindCode[] {
  const local = workspacePackages(workspaceRoot);
  const names = [...[...stage.registered.kind.packages].sort(), stage.registered.packageName, PLUGIN_NAME];
  return [...new Set(names)].map((name) => {
    const dir = local.get(name);
    if (dir === undefined) return { name };
    const sources = name === PLUGIN_NAME ? `${dir}/src/executors` : `${dir}/src`;
    return { name, workspacePath: graphPathExists(join(workspaceRoot, sources)) ? sources : dir, compiledPath: `${dir}/dist` };
  });
}

/** Nx input globs of a hashed tree, rooted at `base` (`{projectRoot}` or `{workspaceRoot}/<root>`). */
function treeGlobs(tree: HashedTree, base = `{workspaceRoot}/${tree.root}`): string[] {
  const includes = tree.extensions ? tree.extensions.map((ending) => `${base}/**/*${ending}`) : [`${base}/**/*`];
  const excludes = (tree.except ?? []).map((rule) => (rule.endsWith('/') ? `!${base}/${rule}**/*` : `!${base}/${rule}`));
  return [...includes, ...excludes];
}

/**
 * Every upstream output file except lineage.json: an upstream rerun that writes the same
 * artifacts (say, after editing only its description) must not rerun this stage, and the
 * lineage record is the one output that records such edits.
 */
export const UPSTREAM_ARTIFACTS_GLOB = `**/!(${LINEAGE_FILE})`;

/**
 * Everything that can change a stage's artifacts, in the order `nx show target inputs` lists them.
 * A sweep point or fold hashes no stage folder: its config is in its target's options (see create-nodes.ts),
 * and the stage file, which lists every point, must not be in its key.
 */
export function stageRunInputs(workspaceRoot: string, stage: LoadedStage): TargetInput[] {
  const code = hashedReproCode(workspaceRoot, stage);
  return [
    ...(stage.point || stage.fold ? [] : treeGlobs(hashedStageFolder(stage), '{projectRoot}')),
    ...localSources(workspaceRoot, stage).map((source) => `{workspaceRoot}/${source}`),
    // User code may import any installed package (strict mode reads all of node_modules): the lockfile pins them all.
    ...(stage.registered.kind.importsAnyPackage ? workspaceLockfiles(workspaceRoot).map((lockfile) => `{workspaceRoot}/${lockfile}`) : []),
    { dependentTasksOutputFiles: stage.kind.hashesUpstreamLineage === true ? '**/*' : UPSTREAM_ARTIFACTS_GLOB, transitive: true },
    ...code.trees.flatMap((tree) => treeGlobs(tree)),
    { externalDependencies: code.npmPackages },
    { runtime: 'node --version' },
  ];
}

/**
 * What a stage's kind declares about state outside the workspace (`stateInput`): none; the
 * module (workspace-relative, the same in every clone) and arguments the state hasher calls;
 * or uncached.
 */
export function stageStateInput(
  workspaceRoot: string,
  stage: LoadedStage,
): { type: 'none' } | { type: 'module'; input: StateInputMetadata } | { type: 'uncached' } {
  if (!stage.kind.stateInput) return { type: 'none' };
  const declared = stage.kind.stateInput(stage.config, { pipeline: stage.identity.pipeline });
  if (!declared) return { type: 'uncached' };
  const packageDir = relative(workspaceRoot, stage.registered.packageDir).split(sep).join('/') || '.';
  return { type: 'module', input: { module: posix.join(packageDir, declared.module), args: [...declared.args] } };
}
