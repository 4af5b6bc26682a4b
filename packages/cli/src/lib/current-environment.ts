import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { captureEnvironment, type Environment } from '@reproml/core';

/** Installed versions do not change while one command runs: capture once per package list. */
const captured = new Map<string, Environment>();

/** This machine's environment, for the packages a lineage record names. */
export function currentEnvironment(workspaceRoot: string, packages: readonly string[]): Environment {
  const key = JSON.stringify([workspaceRoot, [...packages].sort()]);
  let environment = captured.get(key);
  if (!environment) {
    environment = captureEnvironment({ workspaceRoot, packages, resolveFrom: resolutionRoots(workspaceRoot) });
    captured.set(key, environment);
  }
  return environment;
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
