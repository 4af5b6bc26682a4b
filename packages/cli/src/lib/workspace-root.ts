import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ReproError } from '@reproml/core';

/** The nearest folder at or above `from` that holds nx.json. */
export function findWorkspaceRoot(from: string = process.cwd()): string {
  let current = resolve(from);
  for (;;) {
    if (existsSync(join(current, 'nx.json'))) return current;
    const parent = dirname(current);
    if (parent === current) {
      throw new ReproError(`No Nx workspace (nx.json) at or above ${from}`, {
        hint: 'Run reproml inside a ReproML workspace.',
      });
    }
    current = parent;
  }
}
