import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderStageJsonSchema, STAGE_JSON_SCHEMA_PATH } from './write-stage-json-schema';

describe('stage.schema.json', () => {
  it('is up to date with the zod schemas (regenerate: node -r @swc-node/register plugins/nx/src/stage-file/write-stage-json-schema.ts)', () => {
    expect(readFileSync(STAGE_JSON_SCHEMA_PATH, 'utf8')).toBe(renderStageJsonSchema());
  });
});
