import { LITTLE_ENDIAN, type PackedBins } from './packed-bins';

/**
 * Per-node gradient histograms: for each feature and bin, the sum of gradients, the sum of
 * hessians and the row count, interleaved in one Float64Array (cell = feature · stride +
 * bin, lanes at 3·cell; stride = maxBins + 1, the missing bin last). One array with the
 * three lanes side by side measured faster than separate arrays (one cache line per update).
 */
export type Histogram = Float64Array;

export const HISTOGRAM_LANES = 3;

export function allocateHistogram(featureCount: number, stride: number): Histogram {
  return new Float64Array(featureCount * stride * HISTOGRAM_LANES);
}

export interface BuildHistogramParams {
  histogram: Histogram;
  bins: PackedBins;
  featureCount: number;
  stride: number;
  /** Features to accumulate (the tree's column sample), or undefined for all. */
  features: Int32Array | undefined;
  rowIndex: Uint32Array;
  start: number;
  end: number;
  grad: Float64Array;
  hess: Float64Array;
  /**
   * Every hessian is exactly 1 (squared error): the loop skips the hessian lane and copies
   * the count into it afterwards, the same number a sum of ones gives (exact below 2^53).
   */
  unitHessian?: boolean;
}

/**
 * Fills the histogram of the rows rowIndex[start..end), in row order (a fixed summation
 * order: every cell adds its rows in the same order whichever loop below runs, so the
 * sums are bit-identical).
 */
export function buildHistogram(params: BuildHistogramParams): void {
  params.histogram.fill(0);
  if (params.features !== undefined) accumulateSampledFeatures(params, params.features);
  else if (LITTLE_ENDIAN && params.unitHessian) accumulateUnitHessianByWords(params);
  else if (LITTLE_ENDIAN) accumulateByWords(params);
  else
    accumulateSampledFeatures(
      params,
      Int32Array.from({ length: params.featureCount }, (_, f) => f),
    );
}

/** Every feature, four bins per 32-bit load (the hot loop of training: ~half its time). */
function accumulateByWords(params: BuildHistogramParams): void {
  const { histogram, bins, featureCount, stride, rowIndex, start, end, grad, hess } = params;
  const { words, bytes, rowStride } = bins;
  const wordsPerRow = rowStride >> 2;
  const fullWords = featureCount >> 2;
  // Lane offsets of the four features of a word: 3 lanes per cell, `stride` cells per feature.
  const s1 = stride * 3;
  const s2 = 2 * s1;
  const s3 = 3 * s1;
  for (let k = start; k < end; k++) {
    const row = rowIndex[k]!;
    const g = grad[row]!;
    const h = hess[row]!;
    const base = row * wordsPerRow;
    let offset = 0;
    for (let w = 0; w < fullWords; w++, offset += 4 * s1) {
      const word = words[base + w]!;
      let lane = offset + (word & 255) * 3;
      histogram[lane]! += g;
      histogram[lane + 1]! += h;
      histogram[lane + 2]! += 1;
      lane = offset + s1 + ((word >>> 8) & 255) * 3;
      histogram[lane]! += g;
      histogram[lane + 1]! += h;
      histogram[lane + 2]! += 1;
      lane = offset + s2 + ((word >>> 16) & 255) * 3;
      histogram[lane]! += g;
      histogram[lane + 1]! += h;
      histogram[lane + 2]! += 1;
      lane = offset + s3 + (word >>> 24) * 3;
      histogram[lane]! += g;
      histogram[lane + 1]! += h;
      histogram[lane + 2]! += 1;
    }
    for (let f = fullWords * 4, byte = row * rowStride + f; f < featureCount; f++, byte++, offset += s1) {
      const lane = offset + bytes[byte]! * 3;
      histogram[lane]! += g;
      histogram[lane + 1]! += h;
      histogram[lane + 2]! += 1;
    }
  }
}

/** accumulateByWords for unit hessians: gradient and count lanes, then hessian = count in every cell. */
function accumulateUnitHessianByWords(params: BuildHistogramParams): void {
  const { histogram, bins, featureCount, stride, rowIndex, start, end, grad } = params;
  const { words, bytes, rowStride } = bins;
  const wordsPerRow = rowStride >> 2;
  const fullWords = featureCount >> 2;
  const s1 = stride * 3;
  const s2 = 2 * s1;
  const s3 = 3 * s1;
  for (let k = start; k < end; k++) {
    const row = rowIndex[k]!;
    const g = grad[row]!;
    const base = row * wordsPerRow;
    let offset = 0;
    for (let w = 0; w < fullWords; w++, offset += 4 * s1) {
      const word = words[base + w]!;
      let lane = offset + (word & 255) * 3;
      histogram[lane]! += g;
      histogram[lane + 2]! += 1;
      lane = offset + s1 + ((word >>> 8) & 255) * 3;
      histogram[lane]! += g;
      histogram[lane + 2]! += 1;
      lane = offset + s2 + ((word >>> 16) & 255) * 3;
      histogram[lane]! += g;
      histogram[lane + 2]! += 1;
      lane = offset + s3 + (word >>> 24) * 3;
      histogram[lane]! += g;
      histogram[lane + 2]! += 1;
    }
    for (let f = fullWords * 4, byte = row * rowStride + f; f < featureCount; f++, byte++, offset += s1) {
      const lane = offset + bytes[byte]! * 3;
      histogram[lane]! += g;
      histogram[lane + 2]! += 1;
    }
  }
  for (let lane = 0; lane < featureCount * s1; lane += 3) histogram[lane + 1] = histogram[lane + 2]!;
}

/** The listed features only, one byte load each. */
function accumulateSampledFeatures(params: BuildHistogramParams, features: Int32Array): void {
  const { histogram, bins, stride, rowIndex, start, end, grad, hess } = params;
  const { bytes, rowStride } = bins;
  const used = features.length;
  for (let k = start; k < end; k++) {
    const row = rowIndex[k]!;
    const g = grad[row]!;
    const h = hess[row]!;
    const base = row * rowStride;
    for (let j = 0; j < used; j++) {
      const feature = features[j]!;
      const lane = (feature * stride + bytes[base + feature]!) * 3;
      histogram[lane]! += g;
      histogram[lane + 1]! += h;
      histogram[lane + 2]! += 1;
    }
  }
}

/** parent ← parent − child (the sibling's histogram, without a pass over its rows). */
export function subtractHistogram(parent: Histogram, child: Histogram): void {
  for (let i = 0; i < parent.length; i++) parent[i]! -= child[i]!;
}
