import { requireInputs, type StageInputSpec, stageBaseShape } from '@reproml/core';
import { z } from 'zod';
import { checkRuleOverlaps, transformSpecShape } from './transform-spec';

/** The name under `inputs` that points at the pull stage whose file is preprocessed. */
export const DATASET_INPUT = 'dataset';

/** The preprocess kind's inputs: its `inputs` and the required ones its schema checks. */
export const preprocessInputs = {
  [DATASET_INPUT]: { description: 'the pull stage whose data file is preprocessed', kinds: ['pull'] },
} satisfies Record<string, StageInputSpec>;

export const preprocessStageConfigSchema = z
  .object({
    ...stageBaseShape,
    kind: z.literal('preprocess'),
    file: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'should be a file key of the upstream pull stage, like "penguins"')
      .optional()
      .meta({ description: 'Key of the upstream pull stage file to read (out/<file>.<format>). Default: its only data file.' }),
    ...transformSpecShape,
  })
  .strict()
  .superRefine((config, ctx) => {
    requireInputs(config.inputs, ctx, preprocessInputs, 'preprocess');
    checkRuleOverlaps(config, ctx);
  })
  .meta({
    title: 'preprocess stage',
    description: 'Splits a pulled dataset (seeded), fits imputation/encoding/scaling on the training split, writes the splits and preprocess.onnx.',
  });
export type PreprocessStageConfig = z.infer<typeof preprocessStageConfigSchema>;
