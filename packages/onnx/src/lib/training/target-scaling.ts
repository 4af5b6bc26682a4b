import { z } from 'zod';
import type { AnySplit } from './training-data';

/**
 * How a regression target was standardized for training: the network learns
 * (y − mean) / std, and the serving graph computes output · std + mean, so model.onnx
 * predicts in the data's units. Fitted on the training split only (population std; a
 * constant target keeps std 1, as constant features do).
 */
export const targetScalingSchema = z.object({ mean: z.number(), std: z.number().positive() });
export type TargetScaling = z.infer<typeof targetScalingSchema>;

export function fitTargetScaling(split: AnySplit): TargetScaling {
  let sum = 0;
  for (let row = 0; row < split.rows; row++) sum += split.labels[row]!;
  const mean = sum / split.rows;
  let squares = 0;
  for (let row = 0; row < split.rows; row++) squares += (split.labels[row]! - mean) ** 2;
  const std = Math.sqrt(squares / split.rows);
  return { mean, std: std > 0 ? std : 1 };
}

/** The split with its targets standardized (features shared, not copied). */
export function standardizeTargets<S extends AnySplit>(split: S, scaling: TargetScaling): S {
  const labels = new Float64Array(split.rows);
  for (let row = 0; row < split.rows; row++) labels[row] = (split.labels[row]! - scaling.mean) / scaling.std;
  return { ...split, labels };
}
