import { SeededRandom } from '@reproml/core';
import type { TrainingSplit } from '@reproml/onnx';

export interface SyntheticParams {
  rows: number;
  features: number;
  task: 'binary' | 'multiclass' | 'regression';
  seed: number;
  /** Share of feature values replaced by NaN. Default 0. */
  missing?: number;
  /** Classes of the multiclass task. Default 3. */
  classes?: number;
}

/**
 * Seeded tabular data with a nonlinear signal (interactions, thresholds) in the first
 * features and noise features after them; float32 features, NaN where missing.
 */
export function syntheticSplit(params: SyntheticParams): TrainingSplit {
  const { rows, task } = params;
  const width = params.features;
  const rng = new SeededRandom(params.seed);
  const features = new Float32Array(rows * width);
  const labels = new Float64Array(rows);
  const classes = params.classes ?? 3;
  for (let row = 0; row < rows; row++) {
    const x = new Float64Array(width);
    for (let f = 0; f < width; f++) x[f] = rng.nextGaussian();
    const signal = 1.5 * x[0]! + Math.sin(2 * x[1]!) + (x[2]! > 0.5 ? 1 : -0.5) * x[3 % width]! + 0.5 * x[4 % width]! * x[5 % width]!;
    const noise = rng.nextGaussian() * 0.5;
    if (task === 'regression') labels[row] = 10 * signal + 3 * noise;
    else if (task === 'binary') labels[row] = signal + noise > 0 ? 1 : 0;
    else labels[row] = Math.min(classes - 1, Math.max(0, Math.floor((signal + noise + 2) / (4 / classes))));
    for (let f = 0; f < width; f++) features[row * width + f] = params.missing && rng.nextFloat() < params.missing ? NaN : x[f]!;
  }
  return { features, labels, rows };
}
