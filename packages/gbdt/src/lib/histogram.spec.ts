import { SeededRandom } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { allocateHistogram, buildHistogram } from './histogram';
import { packBins } from './packed-bins';

/** Random bins of rows × featureCount, the missing bin (255) included. */
function randomBins(rows: number, featureCount: number, rng: SeededRandom): Uint8Array {
  return Uint8Array.from({ length: rows * featureCount }, () => (rng.nextFloat() < 0.05 ? 255 : rng.nextInt(40)));
}

describe('buildHistogram', () => {
  // 1..9 features: no padding, and every tail length after the whole words (1, 2, 3 bytes).
  for (const featureCount of [1, 3, 4, 5, 7, 8, 9]) {
    it(`four-bins-per-word loop gives the sums of a row-by-row count (${featureCount} features)`, () => {
      const rng = new SeededRandom(featureCount);
      const rows = 300;
      const stride = 256;
      const raw = randomBins(rows, featureCount, rng);
      const grad = Float64Array.from({ length: rows }, () => rng.nextGaussian());
      const hess = Float64Array.from({ length: rows }, () => rng.nextFloat());
      // A node's rows: an ascending subset.
      const rowIndex = Uint32Array.from({ length: rows }, (_, row) => row).filter((row) => row % 3 !== 1);
      const histogram = allocateHistogram(featureCount, stride);
      buildHistogram({
        histogram,
        bins: packBins(raw, rows, featureCount),
        featureCount,
        stride,
        features: undefined,
        rowIndex,
        start: 5,
        end: rowIndex.length - 7,
        grad,
        hess,
      });

      const expected = allocateHistogram(featureCount, stride);
      for (let k = 5; k < rowIndex.length - 7; k++) {
        const row = rowIndex[k]!;
        for (let f = 0; f < featureCount; f++) {
          const lane = (f * stride + raw[row * featureCount + f]!) * 3;
          expected[lane]! += grad[row]!;
          expected[lane + 1]! += hess[row]!;
          expected[lane + 2]! += 1;
        }
      }
      expect(histogram).toEqual(expected);
    });
  }

  it('unit hessians: counting rows gives the same histogram as summing hessians of 1, bit for bit', () => {
    const rng = new SeededRandom(13);
    const rows = 400;
    const featureCount = 7;
    const stride = 256;
    const bins = packBins(randomBins(rows, featureCount, rng), rows, featureCount);
    const grad = Float64Array.from({ length: rows }, () => rng.nextGaussian());
    const hess = new Float64Array(rows).fill(1);
    const rowIndex = Uint32Array.from({ length: rows }, (_, row) => row).filter((row) => row % 5 !== 0);
    const params = { featureCount, stride, rowIndex, start: 3, end: rowIndex.length, grad, hess, bins, features: undefined };
    const summed = allocateHistogram(featureCount, stride);
    buildHistogram({ ...params, histogram: summed });
    const counted = allocateHistogram(featureCount, stride).fill(7); // stale values from a previous node
    buildHistogram({ ...params, histogram: counted, unitHessian: true });
    expect(counted).toEqual(summed);
  });

  it('a column sample accumulates only its features, with the same sums as all features', () => {
    const rng = new SeededRandom(11);
    const rows = 200;
    const featureCount = 6;
    const stride = 256;
    const bins = packBins(randomBins(rows, featureCount, rng), rows, featureCount);
    const grad = Float64Array.from({ length: rows }, () => rng.nextGaussian());
    const hess = Float64Array.from({ length: rows }, () => rng.nextFloat());
    const rowIndex = Uint32Array.from({ length: rows }, (_, row) => row);
    const params = { featureCount, stride, rowIndex, start: 0, end: rows, grad, hess, bins };
    const all = allocateHistogram(featureCount, stride);
    buildHistogram({ ...params, histogram: all, features: undefined });
    const sampled = allocateHistogram(featureCount, stride);
    buildHistogram({ ...params, histogram: sampled, features: Int32Array.of(1, 4) });
    const cells = stride * 3;
    for (let f = 0; f < featureCount; f++) {
      const slice = sampled.subarray(f * cells, (f + 1) * cells);
      if (f === 1 || f === 4) expect(slice).toEqual(all.subarray(f * cells, (f + 1) * cells));
      else expect(slice.every((value) => value === 0)).toBe(true);
    }
  });
});
