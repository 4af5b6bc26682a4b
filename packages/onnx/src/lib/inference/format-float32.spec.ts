import { describe, expect, it } from 'vitest';
import { formatFloat32, writeFloat32 } from './format-float32';

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
const fromBits = (bits: number): number => {
  U32[0] = bits >>> 0;
  return F32[0]!;
};

/** Significant digits of a decimal text (`0.00123` → 3, `1.5e-7` → 2, `120` → 2). */
function significantDigits(text: string): number {
  const mantissa = text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.max(1, mantissa.length);
}

/** Does some decimal with `digits` significant digits read back (as float32) as `value`? Checks the nearest ones. */
function someDecimalWith(digits: number, value: number): boolean {
  const nearest = Number(Math.abs(value).toPrecision(digits));
  const exponent = Math.floor(Math.log10(nearest || Math.abs(value))) - digits + 1;
  for (const step of [-2, -1, 0, 1, 2]) {
    for (const at of [exponent - 1, exponent, exponent + 1]) {
      const candidate = Number(`${Math.round(nearest / 10 ** at) + step}e${at}`);
      if (Math.fround(candidate) === Math.abs(value) && significantDigits(String(candidate)) <= digits) return true;
    }
  }
  return false;
}

function check(value: number): void {
  const text = formatFloat32(value);
  expect(Math.fround(Number(text)), `${value} → ${text}`).toBe(Math.fround(value));
  // JavaScript's own layout of that decimal (no stray zeros, same exponent form).
  expect(String(Number(text)), `${value} → ${text}`).toBe(text);
  const digits = significantDigits(text);
  if (digits > 1) expect(someDecimalWith(digits - 1, Math.fround(value)), `${value} → ${text} is not the shortest`).toBe(false);
  const bytes = new Uint8Array(32);
  const end = writeFloat32(bytes, 3, value);
  expect(Buffer.from(bytes.subarray(3, end)).toString('latin1')).toBe(text);
}

describe('formatFloat32: shortest text that reads back as the same float32', () => {
  it('writes the usual values as JavaScript would write their shortest decimal', () => {
    expect(formatFloat32(0.1)).toBe('0.1');
    expect(formatFloat32(Math.fround(0.98123395))).toBe('0.98123395');
    expect(formatFloat32(1)).toBe('1');
    expect(formatFloat32(-2.5)).toBe('-2.5');
    expect(formatFloat32(100)).toBe('100');
    expect(formatFloat32(1e-7)).toBe('1e-7');
    expect(formatFloat32(6.3335705e-7)).toBe('6.3335705e-7');
    expect(formatFloat32(3.4028234663852886e38)).toBe('3.4028235e+38');
    expect(formatFloat32(1.401298464324817e-45)).toBe('1e-45');
    expect(formatFloat32(16777216)).toBe('16777216');
    expect(formatFloat32(58223.5625)).toBe('58223.562'); // a tie between two 8-digit decimals: the even one, as numpy writes it
    expect(formatFloat32(0)).toBe('0');
    expect(formatFloat32(-0)).toBe('0');
    expect(formatFloat32(Number.NaN)).toBe('NaN');
    expect(formatFloat32(-Infinity)).toBe('-Infinity');
  });

  it('round-trips, is the shortest, and writes the same bytes, over random bit patterns (normal and subnormal)', () => {
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed;
    };
    for (let i = 0; i < 20000; i++) {
      const value = fromBits(next() & 0x7f7fffff); // no NaN or infinity exponents
      check(next() & 1 ? value : -value);
    }
  });

  it('round-trips probabilities, powers of two and their neighbours, and short decimals', () => {
    for (let i = 0; i <= 10000; i++) check(Math.fround(i / 10000));
    for (let i = 0; i < 5000; i++) check(Math.fround(Math.random()));
    for (let exponent = -149; exponent <= 127; exponent++) {
      const power = Math.fround(2 ** exponent);
      F32[0] = power;
      const bits = U32[0]!;
      for (const delta of [-1, 0, 1]) if (bits + delta > 0) check(fromBits(bits + delta));
    }
    for (let k = -45; k <= 38; k++) for (const m of [1, 2, 5, 9.999999]) check(Math.fround(Number(`${m}e${k}`)));
    // Confident probabilities: the float32 values just below 1 and just above 0 (interval ends near an integer).
    for (let i = 1; i <= 2000; i++) {
      check(Math.fround(1 - i * 2 ** -24));
      check(Math.fround(i * 2 ** -40));
    }
  });
});
