import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { captureEnvironment, type Environment } from '@reproml/core';

/** This machine's environment, for the packages a lineage record names. */
export function currentEnvironment(workspaceRoot: string, packages: readonly string[]): Environment {
  return captureEnvironment({ workspaceRoot, packages, resolveFrom: resolutionRoots(workspaceRoot) });
}

/** pnpm installs each package's dependencies beside it, so look from every workspace package. */
function resolutionRoots(workspaceRoot: string): string[] {
  const roots = [workspaceRoot];
  for (const group of ['plugins', 'packages']) {
    const dir = join(workspaceRoot, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (existsSync(join(dir, name, 'package.json'))) roots.push(join(dir, name));
    }
  }
  return roots;
}
