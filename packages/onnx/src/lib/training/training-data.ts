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

/**
 * A run of consecutive feature columns of one type, row-major [rows × width]: float32 values,
 * or a byte per value for columns whose every value is 0 or 1 (one-hot features: a quarter of
 * the memory, the same values).
 */
export type FeatureGroup = { type: 'float'; width: number; values: Float32Array } | { type: 'uint8'; width: number; values: Uint8Array };

/** One split held as feature groups (what the network trainer reads: see `readFeatureGroups`). */
export interface GroupedSplit {
  groups: FeatureGroup[];
  labels: Float64Array;
  rows: number;
}

export type AnySplit = TrainingSplit | GroupedSplit;

export const isGrouped = (split: AnySplit): split is GroupedSplit => 'groups' in split;

export interface CheckSplitParams {
  split: AnySplit;
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
  const valuesPerRow = isGrouped(split) ? split.groups.reduce((sum, group) => sum + group.width, 0) : split.features.length / Math.max(1, split.rows);
  const mismatched = isGrouped(split)
    ? valuesPerRow !== width || split.groups.some((group) => group.values.length !== split.rows * group.width)
    : split.features.length !== split.rows * width;
  if (mismatched) {
    throw new DataError(`${splitName} split has ${valuesPerRow} feature values per row, but features.json names ${width} features`, {
      file,
      hint: 'Rerun the preprocess stage: its features.json and feature files disagree.',
    });
  }
  const bad = firstBadFeature(split, width, params.allowMissing === true);
  if (bad !== undefined) {
    const value = featureValue(split, Math.floor(bad / width), bad % width);
    const row = Math.floor(bad / width);
    const column = featureNames[bad % width];
    throw new DataError(`${splitName} split: feature '${column}' is ${value} in row ${row + 1}`, {
      file,
      field: column,
      hint: Number.isNaN(value)
        ? 'This model family needs every feature value: impute missing values in the preprocess stage, or train a "gbdt" model (it handles missing values).'
        : 'Features reaching the trainer must be finite: drop or clip infinities in the preprocess stage.',
    });
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

/** Row-major index (row × width + column) of the first value that is not finite (NaN allowed when `allowMissing`), in both layouts. */
function firstBadFeature(split: AnySplit, width: number, allowMissing: boolean): number | undefined {
  const bad = (value: number) => !Number.isFinite(value) && !(allowMissing && Number.isNaN(value));
  if (!isGrouped(split)) {
    for (let index = 0; index < split.features.length; index++) if (bad(split.features[index]!)) return index;
    return undefined;
  }
  let first: number | undefined;
  let offset = 0;
  for (const group of split.groups) {
    // Bytes are 0s and 1s; a float group's first bad value in row-major order is its row-earliest one.
    if (group.type === 'float') {
      const at = group.values.findIndex((value) => bad(value));
      if (at >= 0) {
        const index = Math.floor(at / group.width) * width + offset + (at % group.width);
        if (first === undefined || index < first) first = index;
      }
    }
    offset += group.width;
  }
  return first;
}

/** The feature value at (row, column) of either layout. */
function featureValue(split: AnySplit, row: number, column: number): number {
  if (!isGrouped(split)) return split.features[row * (split.features.length / split.rows) + column]!;
  let offset = 0;
  for (const group of split.groups) {
    if (column < offset + group.width) return group.values[row * group.width + column - offset]!;
    offset += group.width;
  }
  return NaN;
}
