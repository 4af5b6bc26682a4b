/**
 * The one source of randomness for a stage: xoshiro128** seeded through splitmix32.
 * Same seed, same sequence, on every platform (32-bit integer arithmetic only).
 */
export class SeededRandom {
  private state: Uint32Array;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new TypeError(`seed should be a non-negative integer, got ${seed}`);
    }
    this.state = new Uint32Array(4);
    let mix = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      mix = (mix + 0x9e3779b9) >>> 0;
      let z = mix;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.state[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.state as unknown as [number, number, number, number];
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform integer in [0, bound), without modulo bias. */
  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound > 2 ** 32) {
      throw new RangeError(`bound should be an integer in 1..2^32, got ${bound}`);
    }
    let value = this.nextUint32();
    // Reject the top 2^32 mod bound values (modulo bias). Only a value ≥ 2^32 − bound can be one of
    // them, so the limit (a floating-point modulo, slow in V8) is computed only then.
    while (value >= 2 ** 32 - bound && value >= 2 ** 32 - (2 ** 32 % bound)) value = this.nextUint32();
    // value mod bound without `%` (also a floating-point modulo above 2^31): the quotient is exact
    // (value < 2^32, so value / bound is never rounded up to the next integer).
    return value - Math.floor(value / bound) * bound;
  }

  /** Standard normal deviate (Box–Muller). */
  nextGaussian(): number {
    let u = 0;
    while (u === 0) u = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.nextFloat());
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    return order;
  }

  /** A child generator for an independent stream (e.g. one per epoch), derived deterministically. */
  fork(label: number): SeededRandom {
    return new SeededRandom(((this.seed * 1000003) ^ label) >>> 0);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
