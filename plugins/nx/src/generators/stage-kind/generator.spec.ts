import { readJson, readNxJson, type Tree, updateNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { stageKindGenerator } from './generator';

describe('stage-kind generator', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('scaffolds a package whose light kinds.ts declares the kind and loads the work inside run', async () => {
    await stageKindGenerator(tree, { name: 'row-count' });
    expect(tree.children('packages/row-count/src/lib').sort()).toEqual(['row-count-config.ts', 'row-count-output.ts', 'run-row-count.ts']);
    expect(readJson(tree, 'packages/row-count/package.json')).toMatchObject({
      name: '@reproml/row-count',
      exports: { '.': './src/kinds.ts' },
      dependencies: { '@reproml/core': 'workspace:*', zod: '~4.1.13' },
    });
    const kinds = tree.read('packages/row-count/src/kinds.ts', 'utf8')!;
    expect(kinds).toContain("name: 'row-count'");
    expect(kinds).toContain('export const rowCountKind = defineStageKind({');
    expect(kinds).toContain('export const stageKinds = [rowCountKind];');
    // No top-level import of the work: the plugin loads this module at graph time.
    expect(kinds).not.toMatch(/^import .*run-row-count/m);
    expect(kinds).toContain("require('./lib/run-row-count') as typeof import('./lib/run-row-count')");
    expect(tree.read('packages/row-count/src/lib/row-count-config.ts', 'utf8')).toContain("kind: z.literal('row-count')");
  });

  it('registers the package in nx.json and the root devDependencies', async () => {
    await stageKindGenerator(tree, { name: 'row-count' });
    expect(readNxJson(tree)?.plugins).toContainEqual({ plugin: '@reproml/nx', options: { kinds: ['@reproml/row-count'] } });
    expect(readJson(tree, 'package.json').devDependencies['@reproml/row-count']).toBe('workspace:*');
  });

  it('keeps the plugin entry’s other options and kinds already registered', async () => {
    updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: '@reproml/nx', options: { runTargetName: 'stage', kinds: ['@acme/sql'] } }] });
    await stageKindGenerator(tree, { name: 'row-count', directory: 'kinds/row-count', packageName: '@acme/row-count' });
    expect(readNxJson(tree)?.plugins).toEqual([{ plugin: '@reproml/nx', options: { runTargetName: 'stage', kinds: ['@acme/sql', '@acme/row-count'] } }]);
    expect(tree.exists('kinds/row-count/src/kinds.ts')).toBe(true);
  });

  it('refuses a name that is not a kind name, and an existing package folder', async () => {
    await expect(stageKindGenerator(tree, { name: 'Row Count' })).rejects.toThrow(/'Row Count' is not a stage kind name/);
    await stageKindGenerator(tree, { name: 'row-count' });
    await expect(stageKindGenerator(tree, { name: 'row-count' })).rejects.toThrow(/packages\/row-count already holds a package/);
  });
});
