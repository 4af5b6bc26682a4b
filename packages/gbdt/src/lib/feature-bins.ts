import type { SeededRandom } from '@reproml/core';

/** At most this many rows are sorted to place the bin edges of a feature (a seeded sample beyond). */
export const BIN_SAMPLE_ROWS = 200_000;

/**
 * Bin edges of every feature, fitted on the training split. A value x falls in the first
 * bin b with x <= upper[b]; the last upper bound is +Infinity. Every other upper bound is a
 * float32 value of the training data, so the test "bin <= b" is exactly "x <= upper[b]"
 * for float32 inputs: the exported threshold compares the same way onnxruntime does.
 * Missing values (NaN) go to bin `missingBin` (= maxBins) of every feature.
 */
export interface FeatureBins {
  uppers: Float64Array[];
  maxBins: number;
  missingBin: number;
}

export interface FitBinsParams {
  /** Row-major [rows × featureCount], NaN = missing. */
  features: Float32Array;
  rows: number;
  featureCount: number;
  maxBins: number;
  rng: SeededRandom;
}

export function fitBins(params: FitBinsParams): FeatureBins {
  const { featureCount, maxBins } = params;
  const sample = sampleRows(params.rows, params.rng);
  const { columns, counts } = sampleColumns(params.features, featureCount, sample);
  const uppers: Float64Array[] = [];
  for (let f = 0; f < featureCount; f++) {
    uppers.push(binUppers(columns.subarray(f * sample.length, f * sample.length + counts[f]!).sort(), maxBins));
  }
  return { uppers, maxBins, missingBin: maxBins };
}

/**
 * The sampled rows' values feature by feature, NaN left out: column f holds counts[f]
 * values at [f · sample.length, …), in row order. One sequential pass over the rows (a
 * strided pass per feature missed the cache on every value).
 */
function sampleColumns(features: Float32Array, featureCount: number, sample: Uint32Array): { columns: Float64Array; counts: Int32Array } {
  const n = sample.length;
  const columns = new Float64Array(n * featureCount);
  const counts = new Int32Array(featureCount);
  for (let i = 0; i < n; i++) {
    const base = sample[i]! * featureCount;
    for (let f = 0; f < featureCount; f++) {
      const value = features[base + f]!;
      if (!Number.isNaN(value)) columns[f * n + counts[f]!++] = value;
    }
  }
  return { columns, counts };
}

/** Upper bounds of at most maxBins bins over sorted values: each distinct value when few, else quantiles. */
export function binUppers(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  let bounds: number[];
  if (distinct.length <= maxBins) {
    bounds = distinct;
  } else {
    bounds = [];
    for (let j = 1; j < maxBins; j++) {
      const value = sorted[Math.ceil((j * sorted.length) / maxBins) - 1]!;
      if (bounds.length === 0 || value > bounds[bounds.length - 1]!) bounds.push(value);
    }
    bounds.push(sorted[sorted.length - 1]!);
  }
  if (bounds.length === 0) return Float64Array.of(Infinity);
  bounds[bounds.length - 1] = Infinity;
  return Float64Array.from(bounds);
}

/** Every row, or a seeded sample of BIN_SAMPLE_ROWS rows in ascending order. */
function sampleRows(rows: number, rng: SeededRandom): Uint32Array {
  if (rows <= BIN_SAMPLE_ROWS) return Uint32Array.from({ length: rows }, (_, row) => row);
  return rng.permutation(rows).subarray(0, BIN_SAMPLE_ROWS).sort();
}

/** Bin index of every value, row-major like the features (Uint8: maxBins ≤ 255, missing = 255 at most). */
export function applyBins(features: Float32Array, rows: number, featureCount: number, bins: FeatureBins): Uint8Array {
  const out = new Uint8Array(rows * featureCount);
  for (let row = 0; row < rows; row++) {
    for (let f = 0, cell = row * featureCount; f < featureCount; f++, cell++) {
      const value = features[cell]!;
      out[cell] = Number.isNaN(value) ? bins.missingBin : binOf(bins.uppers[f]!, value);
    }
  }
  return out;
}

/**
 * First bin b with value <= uppers[b] (the last upper bound is +Infinity, so one exists):
 * a binary search whose steps do not branch on the data (the branchy search mispredicted
 * half its steps).
 */
export function binOf(uppers: Float64Array, value: number): number {
  let base = 0;
  let length = uppers.length;
  while (length > 1) {
    const half = length >>> 1;
    base += half * +(uppers[base + half - 1]! < value);
    length -= half;
  }
  return base;
}

/** Feature-major copy of row-major bins: out[feature · rows + row]. */
export function binsByFeature(bins: Uint8Array, rows: number, featureCount: number): Uint8Array {
  const out = new Uint8Array(rows * featureCount);
  for (let row = 0; row < rows; row++) {
    const base = row * featureCount;
    for (let f = 0; f < featureCount; f++) out[f * rows + row] = bins[base + f]!;
  }
  return out;
}
