import { crossValidationSchema, requireInputs, type StageInputSpec, stageBaseShape, sweepConfigSchema } from '@reproml/core';
import { z } from 'zod';
import { featuresOutput } from '../contracts/features-manifest';
import { DEFAULT_MODEL_CONFIG, modelConfigSchema, trainingConfigSchema } from './training-config';

/** The name under `inputs` that points at the preprocess stage whose features are trained on. */
export const FEATURES_INPUT = 'features';

/** The train kind's inputs: its `inputs` and the required ones its schema checks. */
export const trainInputs = {
  [FEATURES_INPUT]: { description: 'the preprocess stage whose features the model is trained on', kinds: ['preprocess'], reads: [featuresOutput] },
} satisfies Record<string, StageInputSpec>;

export const trainStageConfigSchema = z
  .object({
    ...stageBaseShape,
    kind: z.literal('train'),
    model: modelConfigSchema.default(DEFAULT_MODEL_CONFIG),
    training: trainingConfigSchema.prefault({}).meta({ description: 'Training hyper-parameters; every field has a default.' }),
    threads: z.number().int().min(0).default(0).meta({
      description: 'onnxruntime intra-op threads (0 = its default); gbdt trains on one thread. Results are byte-identical for any value. Default: 0.',
    }),
    sweep: sweepConfigSchema.optional(),
    crossValidation: crossValidationSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    requireInputs(config.inputs, ctx, trainInputs, 'train');
    if (config.model.family === 'gbdt' && JSON.stringify(config.training) !== JSON.stringify(trainingConfigSchema.parse({}))) {
      ctx.addIssue({
        code: 'custom',
        path: ['training'],
        message: 'gbdt models take their hyper-parameters under "model" (nTrees, learningRate, maxDepth, earlyStopping...); remove "training"',
      });
    }
  })
  .meta({
    title: 'train stage',
    description:
      'Trains a linear, logistic, MLP (onnxruntime) or gradient-boosted trees model on the features of a preprocess stage; writes model.onnx with the preprocessing fused in front.',
  });
export type TrainStageConfig = z.infer<typeof trainStageConfigSchema>;
