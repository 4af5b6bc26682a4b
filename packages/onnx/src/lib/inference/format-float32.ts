/**
 * Shortest round-trip text of float32 model outputs: the fewest significant digits that parse
 * back (to float32) to exactly the same value, the closest such decimal when several have that
 * many digits (an exact tie: the even one), written the way JavaScript writes numbers (`0.98123395`, `6.3335703e-7`, `12`).
 * A float32 carries at most 9 significant digits, so no digit is invented and none lost.
 *
 * The search runs in float64 arithmetic, which is exact enough for every candidate except
 * those within 1e-14 (relative) of an interval end; those are decided exactly with BigInt (rare).
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
/** Correctly rounded powers of ten (`Number('1e…')` parses correctly; `10 ** k` need not). */
const POW10 = new Float64Array(141);
for (let k = -70; k <= 70; k++) POW10[k + 70] = Number(`1e${k}`);
const pow10 = (k: number): number => POW10[k + 70]!;
/** Powers of two 2^-151 … 2^104, the scales of float32 interval ends (`2 ** k` is a slow Math.pow call). */
const POW2 = Float64Array.from({ length: 256 }, (_, i) => 2 ** (i - 151));
/** Bound on the relative error of the float64 interval ends (each is within ~3e-16 of exact). */
const RELATIVE_ERROR = 1e-14;

/** Digits `digits` × 10^`exponent`: the shortest decimal that reads back as `value` (a positive, finite float32). */
export function shortestFloat32Decimal(value: number): { digits: number; exponent: number } {
  shortest(value);
  return { digits: shortestDigits, exponent: shortestExponent };
}

/** The result of `shortest` (module state, so formatting a value allocates nothing). */
let shortestDigits = 0;
let shortestExponent = 0;

/**
 * Sets shortestDigits × 10^shortestExponent to the shortest decimal that reads back as `value`
 * (a positive, finite float32): the largest exponent k with a decimal digits × 10^k inside the
 * value's rounding interval, and among those digits the closest to the value.
 */
function shortest(value: number): void {
  F32[0] = value;
  const bits = U32[0]!;
  const biased = (bits >>> 23) & 0xff;
  const fraction = bits & 0x7fffff;
  const mantissa = biased === 0 ? fraction : fraction | 0x800000;
  const shift = (biased === 0 ? -149 : biased - 150) - 2;
  // The values that read back as `value` lie between its midpoints to its neighbours, as multiples of 2^shift.
  const narrow = fraction === 0 && biased > 1; // a power of two: the gap below is half the gap above
  const lowUnits = 4 * mantissa - (narrow ? 1 : 2);
  const highUnits = 4 * mantissa + 2;
  const scale = POW2[shift + 151]!;
  const low = lowUnits * scale;
  const high = highUnits * scale;
  const inclusive = mantissa % 2 === 0; // a tie rounds to the even mantissa
  // An interval at least 10^k wide holds a multiple of 10^k: start at the interval width's
  // power of ten (a guess, checked: step down in the rare case it has no candidate).
  let exponent = WIDTH_EXPONENT[2 * (shift + 151) + (narrow ? 1 : 0)]!;
  let first: number;
  let last: number;
  for (;;) {
    // The digits d with d × 10^exponent in [low, high]: lo and hi are off by at most a few
    // float64 ulps (one rounded power of ten, one product); near an integer, decide exactly.
    const p = pow10(-exponent);
    const lo = low * p;
    const hi = high * p;
    const epsilon = hi * RELATIVE_ERROR;
    first = Math.ceil(lo - epsilon);
    if (first - lo <= epsilon && !within(first, exponent, lowUnits, shift, inclusive, 1)) first++;
    last = Math.floor(hi + epsilon);
    if (hi - last <= epsilon && !within(last, exponent, highUnits, shift, inclusive, -1)) last--;
    if (first <= last) break;
    exponent--;
  }
  // Digits at 10^(k+1) are the multiples of 10 among those at 10^k (exact integer arithmetic
  // from here): step up while there is one. The largest such k has the fewest digits.
  for (;;) {
    const nextFirst = Math.ceil(first / 10);
    const nextLast = Math.floor(last / 10);
    if (nextFirst > nextLast) break;
    first = nextFirst;
    last = nextLast;
    exponent++;
  }
  // Under 10^9 (a float32 needs at most 9 digits): int32 arithmetic from here.
  let digits = Math.min(last, Math.max(first, roundHalfEven(value * pow10(-exponent)))) | 0;
  while (digits !== 0) {
    const tenth = (digits / 10) | 0;
    if (digits !== tenth * 10) break;
    digits = tenth;
    exponent++;
  }
  shortestDigits = digits;
  shortestExponent = exponent;
}

/**
 * floor(log10(width)) of a float32 rounding interval, by the interval's scale (2^shift, shift
 * + 151 from 0 to 255) and shape (width 4 × 2^shift, or 3 × 2^shift below a power of two):
 * index 2 × (shift + 151) + (narrow ? 1 : 0). A starting guess only: `shortest` checks it.
 */
const WIDTH_EXPONENT = Int32Array.from({ length: 512 }, (_, index) => {
  const width = (index % 2 === 1 ? 3 : 4) * 2 ** ((index >> 1) - 151);
  let k = Math.floor(Math.log10(width));
  while (k > -70 && pow10(k) > width) k--;
  while (k < 70 && pow10(k + 1) <= width) k++;
  return k;
});

/** Nearest integer; an exact tie goes to the even one (as numpy and Ryu choose). */
function roundHalfEven(x: number): number {
  const rounded = Math.round(x);
  return rounded - x === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

/** Exactly: is digits × 10^exponent above (side 1) or below (side -1) the bound units × 2^shift (on it: `inclusive`)? */
function within(digits: number, exponent: number, units: number, shift: number, inclusive: boolean, side: 1 | -1): boolean {
  let left = BigInt(digits);
  let right = BigInt(units);
  if (exponent >= 0) left *= 10n ** BigInt(exponent);
  else right *= 10n ** BigInt(-exponent);
  if (shift >= 0) right <<= BigInt(shift);
  else left <<= BigInt(-shift);
  if (left === right) return inclusive;
  return side === 1 ? left > right : left < right;
}

/** `value` rounded to float32, as the shortest text that reads back as the same float32 (JavaScript's number layout). */
export function formatFloat32(value: number): string {
  const rounded = Math.fround(value);
  if (!Number.isFinite(rounded)) return String(rounded);
  if (rounded === 0) return '0';
  shortest(Math.abs(rounded));
  return (rounded < 0 ? '-' : '') + layoutDecimal(String(shortestDigits), shortestExponent);
}

/**
 * Writes `value` as `formatFloat32` does into `out` at `at`; returns the offset after it.
 * No string is created: digits go straight into the bytes (`out` needs 16 bytes of room).
 */
export function writeFloat32(out: Uint8Array, at: number, value: number): number {
  const rounded = Math.fround(value);
  if (!Number.isFinite(rounded) || rounded === 0) return writeAscii(out, at, formatFloat32(rounded));
  if (rounded < 0) out[at++] = 45; // '-'
  shortest(Math.abs(rounded));
  const digits = shortestDigits; // < 10^9 < 2^31: integer arithmetic below
  const exponent = shortestExponent;
  const count = digitCount(digits);
  const point = count + exponent; // the decimal point sits after `point` digits
  if (exponent >= 0 && point <= 21) {
    at = writeDigits(out, at, digits, count);
    for (let i = 0; i < exponent; i++) out[at++] = 48;
    return at;
  }
  if (point > 0 && point <= 21) {
    const tail = count - point;
    const divisor = INT_POW10[tail]!;
    const head = (digits / divisor) | 0;
    at = writeDigits(out, at, head, point);
    out[at++] = 46; // '.'
    return writeDigits(out, at, digits - head * divisor, tail);
  }
  if (point > -6 && point <= 0) {
    out[at++] = 48;
    out[at++] = 46;
    for (let i = 0; i < -point; i++) out[at++] = 48;
    return writeDigits(out, at, digits, count);
  }
  // Exponent form: d[.ddd]e±p.
  const divisor = INT_POW10[count - 1]!;
  const head = (digits / divisor) | 0;
  out[at++] = 48 + head;
  if (count > 1) {
    out[at++] = 46;
    at = writeDigits(out, at, digits - head * divisor, count - 1);
  }
  out[at++] = 101; // 'e'
  const power = point - 1;
  out[at++] = power < 0 ? 45 : 43;
  const magnitude = power < 0 ? -power : power;
  return writeDigits(out, at, magnitude, magnitude >= 10 ? 2 : 1);
}

/** JavaScript's Number::toString layout of digits × 10^exponent (digits without trailing zeros). */
function layoutDecimal(digits: string, exponent: number): string {
  const count = digits.length;
  const point = count + exponent;
  if (exponent >= 0 && point <= 21) return digits + '0'.repeat(exponent);
  if (point > 0 && point <= 21) return `${digits.slice(0, point)}.${digits.slice(point)}`;
  if (point > -6 && point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  const power = point - 1;
  const mantissa = count === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${mantissa}e${power < 0 ? '-' : '+'}${Math.abs(power)}`;
}

/** 10^0 … 10^9, the integer powers a 9-digit float32 decimal needs. */
const INT_POW10 = Int32Array.from({ length: 10 }, (_, k) => 10 ** k);

/** Digits of an integer below 10^9. */
function digitCount(value: number): number {
  let count = 1;
  while (count < 10 && value >= INT_POW10[count]!) count++;
  return count;
}

/** "00" … "99" as ASCII byte pairs: two digits per division. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10));

/** `value` (an integer below 10^count ≤ 10^9) as exactly `count` digits, zero-padded on the left. */
function writeDigits(out: Uint8Array, at: number, value: number, count: number): number {
  let i = at + count;
  while (i - at >= 2) {
    const next = (value / 100) | 0;
    const pair = 2 * (value - next * 100);
    out[--i] = DIGIT_PAIRS[pair + 1]!;
    out[--i] = DIGIT_PAIRS[pair]!;
    value = next;
  }
  if (i > at) out[--i] = 48 + value;
  return at + count;
}

function writeAscii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}
