import { describe, expect, it } from 'vitest';
import { SeededRandom } from './seeded-random';

describe('SeededRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it('draws uniform floats in [0, 1) and unbiased permutations', () => {
    const rng = new SeededRandom(1);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.nextFloat();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
    // Each position of a 4-permutation should hold each value about a quarter of the time.
    const counts = Array.from({ length: 4 }, () => new Array(4).fill(0));
    for (let i = 0; i < 40_000; i++) rng.permutation(4).forEach((value, position) => counts[position]![value]++);
    for (const row of counts) for (const count of row) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('refuses seeds that are not non-negative integers', () => {
    expect(() => new SeededRandom(-1)).toThrow(/non-negative integer/);
    expect(() => new SeededRandom(1.5)).toThrow(/non-negative integer/);
  });
});
