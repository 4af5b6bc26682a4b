import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stageKindRegistry } from './stage-kinds';

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');

/** Versions of each package in the `packages:` section of pnpm-lock.yaml. */
function lockedVersions(): Map<string, string[]> {
  const lockfile = readFileSync(join(WORKSPACE_ROOT, 'pnpm-lock.yaml'), 'utf8');
  const section = lockfile.slice(lockfile.indexOf('\npackages:\n'), lockfile.indexOf('\nsnapshots:\n'));
  const versions = new Map<string, string[]>();
  for (const match of section.matchAll(/^ {2}'?((?:@[^/@\s]+\/)?[^@\s']+)@([^:'\s(]+)/gm)) {
    versions.set(match[1]!, [...(versions.get(match[1]!) ?? []), match[2]!]);
  }
  return versions;
}

describe('stage kinds', () => {
  it('hash only external packages that have exactly one version in the lockfile', () => {
    // With two versions, Nx picks either npm node when hashing and cache keys flap between runs.
    const versions = lockedVersions();
    for (const { kind } of stageKindRegistry(WORKSPACE_ROOT).kinds) {
      for (const name of kind.packages.filter((name) => !name.startsWith('@reproml/'))) {
        expect({ kind: kind.name, name, versions: versions.get(name) ?? [] }).toEqual({ kind: kind.name, name, versions: [expect.any(String)] });
      }
    }
  });
});
