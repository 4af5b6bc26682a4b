import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { sha256OfBytes } from './hash';
import type { Environment } from './lineage-record';

export const LOCKFILE_NAME = 'pnpm-lock.yaml';

/** Version of an installed package as resolved from `fromDir`, or `not-installed`. */
export function installedVersion(packageName: string, fromDir: string): string {
  const requireFrom = createRequire(join(fromDir, 'noop.js'));
  try {
    const manifestPath = requireFrom.resolve(`${packageName}/package.json`);
    return (JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string }).version;
  } catch {
    return findManifestUpwards(packageName, fromDir) ?? 'not-installed';
  }
}

/** Packages whose `exports` hide package.json: walk node_modules folders upwards. */
function findManifestUpwards(packageName: string, fromDir: string): string | undefined {
  const requireFrom = createRequire(join(fromDir, 'noop.js'));
  for (const base of requireFrom.resolve.paths(packageName) ?? []) {
    const manifest = join(base, packageName, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return undefined;
}

function firstInstalledVersion(packageName: string, fromDirs: readonly string[]): string {
  for (const dir of fromDirs) {
    const version = installedVersion(packageName, dir);
    if (version !== 'not-installed') return version;
  }
  return 'not-installed';
}

export interface CaptureEnvironmentParams {
  workspaceRoot: string;
  /** Packages whose versions can change the stage's results. */
  packages: readonly string[];
  /** Folders to resolve packages from, first match wins (default: the workspace root). */
  resolveFrom?: readonly string[];
}

export function captureEnvironment(params: CaptureEnvironmentParams): Environment {
  const lockfile = join(params.workspaceRoot, LOCKFILE_NAME);
  const packages: Record<string, string> = {};
  for (const name of [...params.packages].sort()) {
    packages[name] = firstInstalledVersion(name, params.resolveFrom ?? [params.workspaceRoot]);
  }
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    packages,
    lockfileSha256: existsSync(lockfile) ? sha256OfBytes(readFileSync(lockfile)) : null,
  };
}
