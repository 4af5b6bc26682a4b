import { dirname } from 'node:path';
import type { StageKind } from '../../stage-file/stage-kinds';

/** Packages every lineage record names, whatever the stage kind: the runtime and ReproML itself. */
export const ALWAYS_RECORDED_PACKAGES = ['@reproml/core', '@reproml/nx', 'danfojs-node', 'onnxruntime-node', 'zod'];

/** The packages whose versions a stage's lineage records. */
export function recordedPackages(kind: StageKind): string[] {
  return [...new Set([...ALWAYS_RECORDED_PACKAGES, ...kind.externalPackages, ...kind.reproPackages.map((short) => `@reproml/${short}`)])].sort();
}

/**
 * Where those packages resolve from: the plugin and each ReproML package (pnpm installs a
 * package's dependencies beside it, not at the workspace root).
 */
export function packageResolutionRoots(): string[] {
  const roots = [dirname(require.resolve('@reproml/nx/package.json'))];
  for (const short of ['core', 'data', 'preprocess', 'onnx', 'hub', 'tracking']) {
    try {
      roots.push(dirname(require.resolve(`@reproml/${short}/package.json`)));
    } catch {
      // not a dependency of the plugin (yet)
    }
  }
  return roots;
}
