import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { requireInputs, stageBaseShape } from './stage-file-base';
import type { StageInputSpec } from './stage-kind';

describe('requireInputs', () => {
  const inputs = {
    model: { description: 'the train stage whose model is pushed', kinds: ['train'] },
    metrics: { description: 'the evaluate stage whose metrics go with it', kinds: ['evaluate'], required: false },
  } satisfies Record<string, StageInputSpec>;
  const schema = z
    .object({ ...stageBaseShape, kind: z.literal('push') })
    .strict()
    .superRefine((config, ctx) => requireInputs(config.inputs, ctx, inputs, 'push'));

  it("derives the required inputs from the kind's declaration: a missing required one is an issue saying what it is for, with an example", () => {
    const result = schema.safeParse({ kind: 'push', inputs: { metrics: 'evaluate' } });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toHaveLength(1);
    expect(result.error!.issues[0]).toMatchObject({
      path: ['inputs', 'model'],
      message: 'a push stage needs inputs.model (the train stage whose model is pushed), e.g. { "model": "train", "metrics": "evaluate" }',
    });
  });

  it('accepts a stage file without the optional ones', () => {
    expect(schema.safeParse({ kind: 'push', inputs: { model: 'train' } }).success).toBe(true);
  });
});
