import { describe, expect, it } from 'vitest';
import { NumberColumnProfiler, quantileOfSorted } from './number-column-profiler';
import { cumulativeWeights, QuantileSketch, weightedQuantile } from './quantile-sketch';

/** A fixed pseudo-random sequence (xorshift), with repeats and a skew, so ranks are not trivial. */
function values(count: number, seed = 7): Float64Array {
  const out = new Float64Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const uniform = (state >>> 0) / 2 ** 32;
    out[i] = Math.round(uniform ** 3 * 1000) / 10;
  }
  return out;
}

/** Number of values < x and ≤ x: a point's true rank lies between them. */
function ranks(sorted: Float64Array, x: number): { below: number; upTo: number } {
  let below = 0;
  let upTo = 0;
  for (const value of sorted) {
    if (value < x) below++;
    if (value <= x) upTo++;
  }
  return { below, upTo };
}

describe('QuantileSketch', () => {
  it('holds every value up to its capacity, and its quantiles are then those of the sorted values', () => {
    const data = values(64);
    const sketch = new QuantileSketch(64);
    for (const value of data.subarray(0, 63)) sketch.add(value);
    expect(sketch.exact).toBe(true);
    expect(sketch.rankErrorBound).toBe(0);
    const sorted = data.slice(0, 63).sort();
    expect(sketch.sortedValues()).toEqual(sorted);
    const items = sketch.weighted();
    for (const q of [0, 0.01, 0.3, 0.5, 0.99, 1]) expect(weightedQuantile(items, cumulativeWeights(items), q)).toBe(quantileOfSorted(sorted, q));
    sketch.add(data[63]!);
    expect(sketch.exact).toBe(false);
  });

  it('bounds memory and keeps every estimated rank within its stated bound', () => {
    const count = 200_000;
    const capacity = 256;
    const data = values(count);
    const sketch = new QuantileSketch(capacity);
    for (const value of data) sketch.add(value);
    const items = sketch.weighted();
    // At most `capacity` items per level, ⌈log2(n / capacity)⌉ + 1 levels.
    const levels = Math.ceil(Math.log2(count / capacity)) + 1;
    expect(items.values.length).toBeLessThanOrEqual(capacity * levels);
    expect(items.total).toBe(count);
    expect(items.weights.reduce((a, b) => a + b, 0)).toBe(count);
    const bound = sketch.rankErrorBound;
    expect(bound).toBeGreaterThan(0);
    expect(bound).toBeLessThanOrEqual((count * levels) / capacity);
    const sorted = data.slice().sort();
    const cumulative = cumulativeWeights(items);
    for (let step = 1; step < 100; step++) {
      const q = step / 100;
      const estimate = weightedQuantile(items, cumulative, q);
      const { below, upTo } = ranks(sorted, estimate);
      const target = q * (count - 1);
      // The estimate's true rank range comes within the bound of the rank asked for.
      expect(Math.max(below - target, target - upTo, 0)).toBeLessThanOrEqual(bound + 1);
    }
  });

  it('gives the same sketch for the same values, however they are split into windows', () => {
    const data = values(50_000, 11);
    const whole = new NumberColumnProfiler('x', new QuantileSketch(128));
    whole.add(data);
    const windowed = new NumberColumnProfiler('x', new QuantileSketch(128));
    for (let start = 0; start < data.length; start += 977) windowed.add(data.subarray(start, Math.min(start + 977, data.length)));
    expect(JSON.stringify(windowed.profile())).toBe(JSON.stringify(whole.profile()));
  });
});

describe('NumberColumnProfiler', () => {
  it('is exact below the sketch capacity and flags estimates beyond it, with exact count, nulls, min and max', () => {
    const data = values(20_000, 3);
    data[5] = Number.NaN;
    data[6] = -1;
    data[7] = 1e6;
    const sorted = data.filter((value) => !Number.isNaN(value)).sort();

    const exact = new NumberColumnProfiler('x', new QuantileSketch(1 << 15));
    exact.add(data);
    const profile = exact.profile();
    expect(profile).toMatchObject({ exact: true, rankError: 0, count: 19_999, nulls: 1, min: -1, max: 1e6 });
    expect(profile.quantiles.map((point) => point.value)).toEqual(profile.quantiles.map((point) => quantileOfSorted(sorted, point.q)));
    expect(profile.histogram.counts.reduce((a, b) => a + b, 0)).toBe(19_999);

    const sketched = new NumberColumnProfiler('x', new QuantileSketch(512));
    sketched.add(data);
    const estimate = sketched.profile();
    expect(estimate).toMatchObject({ exact: false, count: 19_999, nulls: 1, min: -1, max: 1e6 });
    expect(estimate.rankError).toBeGreaterThan(0);
    expect(estimate.mean).toBeCloseTo(profile.mean!, 9);
    expect(estimate.std).toBeCloseTo(profile.std!, 9);
    expect(estimate.histogram.counts.reduce((a, b) => a + b, 0)).toBe(19_999);
    // Each estimated bin count is within 2 · rankError · count of the true count of its (estimated) bin.
    const { edges, counts } = estimate.histogram;
    for (let bin = 0; bin < counts.length; bin++) {
      const last = bin === counts.length - 1;
      const truth = sorted.filter((value) => value >= edges[bin]! && (last ? value <= edges[bin + 1]! : value < edges[bin + 1]!)).length;
      expect(Math.abs(counts[bin]! - truth)).toBeLessThanOrEqual(2 * estimate.rankError * estimate.count + 1);
    }
  });
});
