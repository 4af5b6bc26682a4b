import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNxJson, type Tree, updateNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it } from 'vitest';
import { stageKindRegistry } from '../../stage-file/stage-kinds';
import { renderStageJsonSchema } from '../../stage-file/write-stage-json-schema';
import { stageSchemaGenerator, WORKSPACE_STAGE_SCHEMA } from './generator';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..', '..');

function kindsIn(schema: string): string[] {
  return (JSON.parse(schema).oneOf as { properties: { kind: { const: string } } }[]).map((entry) => entry.properties.kind.const);
}

describe('stage-schema generator', () => {
  it('writes the schema of the built-in kinds in a workspace that registers none', async () => {
    const tree: Tree = createTreeWithEmptyWorkspace();
    await stageSchemaGenerator(tree);
    expect(kindsIn(tree.read(WORKSPACE_STAGE_SCHEMA, 'utf8')!)).toEqual([...stageKindRegistry(tree.root).names]);
  });

  it('fails naming the module when nx.json registers one that cannot be found', async () => {
    const tree: Tree = createTreeWithEmptyWorkspace();
    updateNxJson(tree, { ...readNxJson(tree), plugins: [{ plugin: '@reproml/nx', options: { kinds: ['@acme/missing'] } }] });
    await expect(stageSchemaGenerator(tree)).rejects.toThrow(/Stage kind module '@acme\/missing' cannot be found/);
  });

  it("this repository's stage.schema.json is up to date with its registered kinds (regenerate: npx nx g @reproml/nx:stage-schema)", () => {
    const nxJson = JSON.parse(readFileSync(join(REPO_ROOT, 'nx.json'), 'utf8'));
    const kinds = nxJson.plugins.find((entry: { plugin?: string }) => entry.plugin === '@reproml/nx').options.kinds;
    // The registered kind packages are TypeScript, loaded with require as under Nx: register the same transpiler Nx does.
    require('@swc-node/register');
    const written = readFileSync(join(REPO_ROOT, WORKSPACE_STAGE_SCHEMA), 'utf8');
    expect(written).toBe(renderStageJsonSchema(REPO_ROOT, kinds));
    expect(kindsIn(written)).toContain('feature-select');
  });
});
