import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { type AnyStageKind, ConfigError, isStageKind, requireModule } from '@reproml/core';
import { stageKinds as coreKinds } from '@reproml/core/kinds';
import { stageKinds as dataKinds } from '@reproml/data/kinds';
import { stageKinds as driftKinds } from '@reproml/drift/kinds';
import { stageKinds as hubKinds } from '@reproml/hub/kinds';
import { stageKinds as onnxKinds } from '@reproml/onnx/kinds';
import { stageKinds as preprocessKinds } from '@reproml/preprocess/kinds';
import { kindModuleSignature } from '../plugin/graph-cache';

/** A stage kind with the package that exports it (its code is one of the kind's hashed inputs). */
export interface RegisteredKind {
  kind: AnyStageKind;
  /** Module the kind came from, e.g. `@reproml/data/kinds` or a plugin option's `@acme/reproml-xyz`. */
  module: string;
  /** Name and absolute (real) folder of the package that exports the kind. */
  packageName: string;
  packageDir: string;
}

export interface StageKindRegistry {
  /** Kinds in registration order (built-ins first): the order of the JSON schema's union. */
  readonly kinds: readonly RegisteredKind[];
  readonly names: readonly string[];
  get(name: string): RegisteredKind | undefined;
}

/**
 * The built-in kinds, loaded through the same light `./kinds` modules a third-party kind
 * package exports (schemas and declarations only: no onnxruntime or Hub client at graph time).
 */
const BUILTIN_KINDS: readonly { module: string; packageName: string; kinds: readonly AnyStageKind[] }[] = [
  { module: '@reproml/data/kinds', packageName: '@reproml/data', kinds: dataKinds },
  { module: '@reproml/core/kinds', packageName: '@reproml/core', kinds: coreKinds },
  { module: '@reproml/preprocess/kinds', packageName: '@reproml/preprocess', kinds: preprocessKinds },
  { module: '@reproml/onnx/kinds', packageName: '@reproml/onnx', kinds: onnxKinds },
  { module: '@reproml/hub/kinds', packageName: '@reproml/hub', kinds: hubKinds },
  { module: '@reproml/drift/kinds', packageName: '@reproml/drift', kinds: driftKinds },
];

const registries = new Map<string, { signatures: string; registry: StageKindRegistry }>();

/**
 * Every stage kind of a workspace: the built-ins, then the kinds of each module named in the
 * plugin's `kinds` option (nx.json), resolved from the workspace root. Memoized per workspace
 * and module list while the registered modules' package files keep their sizes and mtimes: a
 * long-lived process (the Nx daemon's plugin worker) loads an edited kind again.
 */
export function stageKindRegistry(workspaceRoot: string, kindModules: readonly string[] = []): StageKindRegistry {
  const key = JSON.stringify([workspaceRoot, kindModules]);
  const signatures = JSON.stringify(kindModules.map((module) => kindModuleSignature(workspaceRoot, module)));
  const memo = registries.get(key);
  if (memo?.signatures === signatures) return memo.registry;
  if (memo) for (const entry of memo.registry.kinds) if (kindModules.includes(entry.module)) forgetModulesUnder(entry.packageDir);
  const entries: RegisteredKind[] = [];
  for (const builtin of BUILTIN_KINDS) {
    const packageDir = realpathSync(dirname(require.resolve(`${builtin.packageName}/package.json`)));
    for (const kind of builtin.kinds) entries.push({ kind, module: builtin.module, packageName: builtin.packageName, packageDir });
  }
  for (const module of kindModules) entries.push(...loadKindModule(workspaceRoot, module));
  const registry = createRegistry(entries);
  registries.set(key, { signatures, registry });
  return registry;
}

/** Drops a package's modules from Node's module cache, so the next require reads them again. */
function forgetModulesUnder(packageDir: string): void {
  for (const id of Object.keys(require.cache)) if (id.startsWith(`${packageDir}${sep}`)) delete require.cache[id];
}

function createRegistry(entries: RegisteredKind[]): StageKindRegistry {
  const byName = new Map<string, RegisteredKind>();
  for (const entry of entries) {
    const existing = byName.get(entry.kind.name);
    if (existing) {
      throw new ConfigError(`Stage kind '${entry.kind.name}' is defined twice: by ${existing.module} and by ${entry.module}`, {
        file: 'nx.json',
        field: 'plugins[@reproml/nx].options.kinds',
        hint: 'Each kind name must be unique: rename one kind or register only one of the modules.',
      });
    }
    byName.set(entry.kind.name, entry);
  }
  return { kinds: entries, names: entries.map((entry) => entry.kind.name), get: (name) => byName.get(name) };
}

/** The kinds a registered module exports (`stageKinds`, an array, or a default export of a kind or an array). */
function loadKindModule(workspaceRoot: string, module: string): RegisteredKind[] {
  const location = { file: 'nx.json', field: 'plugins[@reproml/nx].options.kinds' };
  let path: string;
  try {
    const request = module.startsWith('.') || isAbsolute(module) ? resolve(workspaceRoot, module) : module;
    path = require.resolve(request, { paths: [workspaceRoot] });
  } catch (error) {
    throw new ConfigError(`Stage kind module '${module}' cannot be found from ${workspaceRoot}`, {
      ...location,
      hint: 'Install the package (e.g. `pnpm add -D -w <package>`) or give a path relative to the workspace root, like "./packages/my-kind".',
      cause: error,
    });
  }
  const exported = requireModule(path, workspaceRoot) as Record<string, unknown>;
  const candidates = exported.stageKinds ?? exported.default;
  const kinds = (Array.isArray(candidates) ? candidates : [candidates]).filter(isStageKind);
  if (kinds.length === 0) {
    throw new ConfigError(`Stage kind module '${module}' exports no stage kind`, {
      ...location,
      hint: 'Export the kinds made with defineStageKind from @reproml/core as `export const stageKinds = [myKind]`.',
    });
  }
  const pkg = owningPackage(path);
  return kinds.map((kind) => ({ kind, module, packageName: pkg.name, packageDir: pkg.dir }));
}

/** The package a module file belongs to: the nearest package.json with a name, walking up. */
export function owningPackage(file: string): { name: string; dir: string } {
  let dir = dirname(realpathSync(file));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name) return { name, dir };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json with a name above ${file}`);
    dir = parent;
  }
}
