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

  it('draws the integers of the plain rejection formula (limit 2^32 − 2^32 mod bound, then value mod bound), rejections included', () => {
    // The reference: what nextInt computed before it skipped the limit for values that cannot be rejected.
    const reference = (rng: SeededRandom, bound: number): number => {
      const limit = 2 ** 32 - (2 ** 32 % bound);
      let value: number;
      do value = rng.nextUint32();
      while (value >= limit);
      return value % bound;
    };
    // Bounds above 2^31 reject often (3·2^30: a quarter of the values), so the rejection path runs thousands of times.
    for (const bound of [1, 2, 3, 10, 50_000, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 3 * 2 ** 30, 2 ** 32 - 1, 2 ** 32]) {
      const fast = new SeededRandom(bound % 1000);
      const plain = new SeededRandom(bound % 1000);
      for (let i = 0; i < 20_000; i++) expect(fast.nextInt(bound)).toBe(reference(plain, bound));
      expect(fast.nextUint32()).toBe(plain.nextUint32());
    }
    // A permutation is Fisher–Yates over nextInt: the same as one built from the reference.
    const fast = new SeededRandom(11);
    const plain = new SeededRandom(11);
    const expected = Uint32Array.from({ length: 1000 }, (_, i) => i);
    for (let i = expected.length - 1; i > 0; i--) {
      const j = reference(plain, i + 1);
      [expected[i], expected[j]] = [expected[j]!, expected[i]!];
    }
    expect(fast.permutation(1000)).toEqual(expected);
  });

  it('refuses seeds that are not non-negative integers', () => {
    expect(() => new SeededRandom(-1)).toThrow(/non-negative integer/);
    expect(() => new SeededRandom(1.5)).toThrow(/non-negative integer/);
  });
});
