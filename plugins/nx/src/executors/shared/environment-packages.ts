import { dirname } from 'node:path';
import type { RegisteredKind } from '../../stage-file/stage-kinds';

/** Packages every lineage record names, whatever the stage kind: ReproML's core and this plugin. */
export const ALWAYS_RECORDED_PACKAGES = ['@reproml/core', '@reproml/nx'];

/** The packages whose versions a stage's lineage records: the kind's own package and the packages it lists (the ones hashed as its code). */
export function recordedPackages(registered: RegisteredKind): string[] {
  return [...new Set([...ALWAYS_RECORDED_PACKAGES, registered.packageName, ...registered.kind.packages])].sort();
}

/**
 * Where those packages resolve from: the kind's package (pnpm installs a package's
 * dependencies beside it, not at the workspace root) and the plugin.
 */
export function packageResolutionRoots(registered: RegisteredKind): string[] {
  return [registered.packageDir, dirname(require.resolve('@reproml/nx/package.json'))];
}
