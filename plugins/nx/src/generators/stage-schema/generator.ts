import { readNxJson, type Tree } from '@nx/devkit';
import { pluginOptionsFromNxJson } from '../../plugin/plugin-options';
import { renderStageJsonSchema } from '../../stage-file/write-stage-json-schema';

export interface StageSchemaGeneratorOptions {
  path?: string;
}

/** The workspace's stage-file schema file: the built-in kinds and every kind nx.json registers. */
export const WORKSPACE_STAGE_SCHEMA = 'stage.schema.json';

/**
 * `nx g @reproml/nx:stage-schema`: writes the JSON schema of stage files for the kinds this
 * workspace registers (stage files point at it with `"$schema"`); run it after registering
 * or changing a kind. The plugin's own `schemas/stage.schema.json` covers the built-ins only.
 */
export async function stageSchemaGenerator(tree: Tree, options: StageSchemaGeneratorOptions = {}): Promise<void> {
  const { kinds } = pluginOptionsFromNxJson(readNxJson(tree) ?? undefined);
  tree.write(options.path ?? WORKSPACE_STAGE_SCHEMA, renderStageJsonSchema(tree.root, kinds));
}

export default stageSchemaGenerator;
