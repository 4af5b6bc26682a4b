import { defineStageOutput } from '@reproml/core';
import { z } from 'zod';
import { targetScalingSchema } from '../training/target-scaling';
import { modelConfigSchema, trainingConfigSchema } from '../training/training-config';
import { rawInputSchema } from './features-manifest';

/** The fields every train family writes at the top of `model.json` (`modelInfoBase`). */
const modelInfoBaseShape = {
  schemaVersion: z.literal(1),
  /** The train stage's `model` config, defaults applied. */
  model: modelConfigSchema,
  /** The stage context's seed, the one lineage.json records. */
  seed: z.number().int(),
  task: z.enum(['classification', 'regression']),
  target: z.string(),
  /** Classification: index = class id; null for a regression. */
  classes: z.array(z.string()).nullable(),
  featureNames: z.array(z.string()).min(1),
  rawInputs: z.array(rawInputSchema).min(1),
  /** The model's outputs, name → type and shape. */
  outputs: z.record(z.string(), z.string()),
};

/** One feature's total split gain and split count in a gbdt ensemble. */
export const featureImportanceEntrySchema = z.object({
  feature: z.string(),
  gain: z.number().nonnegative(),
  splits: z.number().int().nonnegative(),
});
export type FeatureImportanceEntry = z.infer<typeof featureImportanceEntrySchema>;

/** The neural families (onnxruntime-trained): the training config, the network and the epochs. */
const neuralModelInfoSchema = z.object({
  ...modelInfoBaseShape,
  family: z.enum(['linear', 'logistic', 'mlp']),
  training: trainingConfigSchema,
  network: z.object({
    inputSize: z.number().int().positive(),
    hiddenLayers: z.array(z.number().int().positive()),
    outputSize: z.number().int().positive(),
    loss: z.string(),
  }),
  /** Regression with `training.standardizeTarget`: how the target was scaled for training (model.onnx scales back). */
  targetScaling: targetScalingSchema.optional(),
  bestEpoch: z.number().int().positive(),
  epochsRun: z.number().int().positive(),
});

/** Gradient-boosted trees (@reproml/gbdt): the ensemble's shape, feature importance and rounds. */
const gbdtModelInfoSchema = z.object({
  ...modelInfoBaseShape,
  family: z.literal('gbdt'),
  ensemble: z.object({
    objective: z.string(),
    outputs: z.number().int().positive(),
    trees: z.number().int().nonnegative(),
    leaves: z.number().int().nonnegative(),
    baseMargins: z.array(z.number()),
  }),
  featureImportance: z.array(featureImportanceEntrySchema),
  bestRound: z.number().int().nonnegative(),
  roundsRun: z.number().int().nonnegative(),
});

/**
 * `model.json`: what a train stage trained (family, config, seed, task, inputs and outputs).
 * Defined here, with the kind that writes it (the neural families in run-train, gbdt in
 * @reproml/gbdt); push's model card and the run report read it through `modelInfoOutput`.
 */
export const modelInfoSchema = z.discriminatedUnion('family', [neuralModelInfoSchema, gbdtModelInfoSchema]);
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const modelInfoOutput = defineStageOutput({
  file: 'model.json',
  description: 'what a train stage trained: family, config, seed, task, raw inputs and outputs',
  schema: modelInfoSchema,
});
