import { SeededRandom } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { applyBins, binOf, fitBins } from './feature-bins';

/** The first bin whose upper bound is >= value, by a linear scan. */
function firstBinAtLeast(uppers: Float64Array, value: number): number {
  let bin = 0;
  while (!(value <= uppers[bin]!)) bin++;
  return bin;
}

describe('binOf', () => {
  it('finds the first bin with value <= its upper bound, for every bin count and boundary value', () => {
    const rng = new SeededRandom(5);
    for (let bins = 1; bins <= 256; bins++) {
      const uppers = Float64Array.from({ length: bins }, (_, b) => (b === bins - 1 ? Infinity : 2 * b));
      for (const value of [-1, 0, 1, 2, 2 * bins - 3, 2 * bins - 2, 2 * bins - 1, 1e9, Infinity, rng.nextFloat() * 2 * bins]) {
        expect(binOf(uppers, value)).toBe(firstBinAtLeast(uppers, value));
      }
    }
  });
});

describe('fitBins / applyBins', () => {
  it('puts NaN in the missing bin and every value in the bin of its upper bound, features interleaved row-major', () => {
    const rng = new SeededRandom(9);
    const rows = 500;
    const featureCount = 3;
    const features = Float32Array.from({ length: rows * featureCount }, (_, cell) =>
      cell % featureCount === 2 && rng.nextFloat() < 0.2 ? NaN : Math.round(rng.nextGaussian() * 20) / 4,
    );
    const bins = fitBins({ features, rows, featureCount, maxBins: 16, rng: new SeededRandom(1) });
    const out = applyBins(features, rows, featureCount, bins);
    for (let cell = 0; cell < rows * featureCount; cell++) {
      const value = features[cell]!;
      const uppers = bins.uppers[cell % featureCount]!;
      expect(out[cell]).toBe(Number.isNaN(value) ? bins.missingBin : firstBinAtLeast(uppers, value));
    }
    expect(bins.uppers.every((uppers) => uppers.length <= 16 && uppers.at(-1) === Infinity)).toBe(true);
  });
});
