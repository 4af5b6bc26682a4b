import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { preprocessStageConfigSchema } from './preprocess-stage-config';
import { rowFilterSchema } from './transform-spec';

const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'preprocessing.md');
const text = readFileSync(DOC, 'utf8');
const blocks = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1]!);

describe('docs/preprocessing.md', () => {
  it('has an example for every filter op, impute strategy, encode method, scale method and date feature', () => {
    const examples = blocks.join('\n');
    const ops = rowFilterSchema.options.flatMap((option) => {
      const op = option.shape.op;
      return 'options' in op ? [...op.options] : [op.value];
    });
    for (const op of ops) expect(examples, `filter op ${op}`).toContain(`"op": "${op}"`);
    for (const strategy of ['mean', 'median', 'most_frequent', 'constant']) expect(examples).toContain(`"strategy": "${strategy}"`);
    for (const method of ['onehot', 'ordinal', 'standard', 'minmax']) expect(examples).toContain(`"method": "${method}"`);
    for (const feature of ['year', 'month', 'dayOfWeek', 'dayOfYear', 'daysSinceEpoch', 'hour']) expect(examples).toContain(`"${feature}"`);
    for (const field of ['stratify', 'keepMissing', 'missingValues', 'casts', 'custom', 'select', 'drop', 'except', 'format', 'classes', 'unknownValue']) {
      expect(examples, field).toContain(`"${field}"`);
    }
  });

  it.each(blocks.map((block, i) => [i + 1, block]))('example %i is a valid part of a preprocess stage file', (_, block) => {
    const fragment = JSON.parse(block as string) as Record<string, unknown>;
    const value = { kind: 'preprocess', inputs: { dataset: 'data' }, target: { column: 'weather' }, ...fragment };
    expect(() => parseConfig({ schema: preprocessStageConfigSchema, value, file: 'docs/preprocessing.md' })).not.toThrow();
  });
});
