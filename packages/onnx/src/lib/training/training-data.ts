import { DataError } from '@reproml/core';
import type { Task } from '../graph/network';

/** One split as the trainer takes it: features row-major, labels as class ids or targets. */
export interface TrainingSplit {
  /** Row-major [rows × featureCount]. */
  features: Float32Array;
  /** Class id (0..classes-1) or numeric target per row. */
  labels: Float64Array;
  rows: number;
}

export interface CheckSplitParams {
  split: TrainingSplit;
  splitName: string;
  featureNames: readonly string[];
  task: Task;
  classCount: number;
  /** File named in messages. */
  file?: string;
  /** NaN features are missing values the model handles (gbdt); ±Infinity is still refused. Default false. */
  allowMissing?: boolean;
}

/** Refuses data the trainer cannot learn from: NaN/Inf, out-of-range labels, shape mismatches. */
export function checkTrainingSplit(params: CheckSplitParams): void {
  const { split, splitName, featureNames, file } = params;
  const width = featureNames.length;
  if (split.features.length !== split.rows * width) {
    throw new DataError(
      `${splitName} split has ${split.features.length / Math.max(1, split.rows)} feature values per row, but features.json names ${width} features`,
      { file, hint: 'Rerun the preprocess stage: its features.json and feature files disagree.' },
    );
  }
  for (let index = 0; index < split.features.length; index++) {
    const value = split.features[index]!;
    if (!Number.isFinite(value) && !(params.allowMissing && Number.isNaN(value))) {
      const row = Math.floor(index / width);
      const column = featureNames[index % width];
      throw new DataError(`${splitName} split: feature '${column}' is ${value} in row ${row + 1}`, {
        file,
        field: column,
        hint: Number.isNaN(value)
          ? 'This model family needs every feature value: impute missing values in the preprocess stage, or train a "gbdt" model (it handles missing values).'
          : 'Features reaching the trainer must be finite: drop or clip infinities in the preprocess stage.',
      });
    }
  }
  for (let row = 0; row < split.rows; row++) {
    const label = split.labels[row]!;
    const valid = params.task === 'classification' ? Number.isInteger(label) && label >= 0 && label < params.classCount : Number.isFinite(label);
    if (!valid) {
      throw new DataError(
        `${splitName} split: label ${label} in row ${row + 1} is not ${params.task === 'classification' ? `a class id in 0..${params.classCount - 1}` : 'a finite number'}`,
        { file, field: 'label', hint: 'Drop rows with a missing target in the preprocess stage, or check the target column.' },
      );
    }
  }
}
