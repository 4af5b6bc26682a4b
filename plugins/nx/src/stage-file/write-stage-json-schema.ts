import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableStringify } from '@reproml/core';
import { stageFileJsonSchema } from './stage-file-schema';

/** Where stage files' `$schema` points; regenerated from the zod schemas, checked by a test. */
export const STAGE_JSON_SCHEMA_PATH = join(__dirname, '..', '..', 'schemas', 'stage.schema.json');

export function renderStageJsonSchema(): string {
  return stableStringify({ title: 'ReproML stage file', ...stageFileJsonSchema() });
}

if (require.main === module) {
  writeFileSync(STAGE_JSON_SCHEMA_PATH, renderStageJsonSchema());
  console.log(`wrote ${STAGE_JSON_SCHEMA_PATH}`);
}
