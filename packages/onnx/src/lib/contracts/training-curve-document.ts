import { defineStageOutput } from '@reproml/core';
import { z } from 'zod';

/** One epoch (neural families) or boosting round (gbdt) of training. */
export const epochRecordSchema = z.object({
  epoch: z.number().int().positive(),
  trainLoss: z.number(),
  validationLoss: z.number().optional(),
  /** Accuracy (classification) or RMSE (regression) on the validation split. */
  validationMetric: z.number().optional(),
});
export type EpochRecord = z.infer<typeof epochRecordSchema>;

/**
 * `training-curve.json`: the loss per epoch (or round) of a train stage, in one shape for every
 * family so that reports read them the same way. Both trainers write it through
 * `trainingCurveOutput`; the run report reads the copy kept with the run through it.
 */
export const trainingCurveSchema = z.object({
  schemaVersion: z.literal(1),
  /** What one step is: 'round' for gbdt; absent = 'epoch'. */
  unit: z.literal('round').optional(),
  validationMetric: z.enum(['accuracy', 'rmse']),
  bestEpoch: z.number().int().nonnegative(),
  stoppedEarly: z.boolean(),
  epochs: z.array(epochRecordSchema),
});
export type TrainingCurve = z.infer<typeof trainingCurveSchema>;

export const trainingCurveOutput = defineStageOutput({
  file: 'training-curve.json',
  description: 'the training and validation loss per epoch (or boosting round) of a train stage',
  schema: trainingCurveSchema,
});
