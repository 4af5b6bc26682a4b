import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
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

describe("the kind registry of a long-lived process (the Nx daemon's plugin worker)", () => {
  it('loads a registered kind module again once its package changed, and keeps it while it does not', () => {
    const root = mkdtempSync(join(tmpdir(), 'reproml-kinds-'));
    try {
      // The compiled core and zod's CommonJS build, as a kind package installed in a workspace loads them.
      const core = JSON.stringify(join(WORKSPACE_ROOT, 'packages', 'core', 'dist', 'src', 'index.js'));
      const zod = JSON.stringify(createRequire(join(WORKSPACE_ROOT, 'packages', 'core', 'package.json')).resolve('zod'));
      const kindModule = (name: string) =>
        `const { defineStageKind } = require(${core}); const { z } = require(${zod});\n` +
        `exports.stageKinds = [defineStageKind({ name: '${name}', description: 'a test kind', schema: z.object({ kind: z.literal('${name}') }), packages: [], run: async () => ({ outputs: [] }) })];\n`;
      mkdirSync(join(root, 'my-kind'));
      writeFileSync(join(root, 'my-kind', 'package.json'), JSON.stringify({ name: 'my-kind', main: 'index.js' }));
      writeFileSync(join(root, 'my-kind', 'index.js'), kindModule('first-name'));
      const first = stageKindRegistry(root, ['./my-kind']);
      expect(first.names).toContain('first-name');
      expect(stageKindRegistry(root, ['./my-kind'])).toBe(first);
      writeFileSync(join(root, 'my-kind', 'index.js'), kindModule('second-name'));
      utimesSync(join(root, 'my-kind', 'index.js'), new Date(), new Date(Date.now() + 5_000));
      const second = stageKindRegistry(root, ['./my-kind']);
      expect(second.names).toContain('second-name');
      expect(second.names).not.toContain('first-name');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
