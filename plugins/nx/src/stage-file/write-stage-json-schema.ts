import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableStringify } from '@reproml/core';
import { stageFileJsonSchema } from './stage-file-schema';
import { stageKindRegistry } from './stage-kinds';

/** Where stage files' `$schema` points; regenerated from the zod schemas, checked by a test. */
export const STAGE_JSON_SCHEMA_PATH = join(__dirname, '..', '..', 'schemas', 'stage.schema.json');

/** The built-in kinds' schema (`workspaceRoot` + `kindModules`: with a workspace's registered kinds too). */
export function renderStageJsonSchema(workspaceRoot = join(__dirname, '..', '..', '..', '..'), kindModules: readonly string[] = []): string {
  return stableStringify({ title: 'ReproML stage file', ...stageFileJsonSchema(stageKindRegistry(workspaceRoot, kindModules)) });
}

if (require.main === module) {
  writeFileSync(STAGE_JSON_SCHEMA_PATH, renderStageJsonSchema());
  console.log(`wrote ${STAGE_JSON_SCHEMA_PATH}`);
}
