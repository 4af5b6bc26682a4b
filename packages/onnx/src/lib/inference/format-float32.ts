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
/** log10(2), for an upper bound of a power of two's decimal exponent. */
const LOG10_2 = 0.3010299956639812;
/** Bound on the relative error of the float64 interval ends (each is within ~3e-16 of exact). */
const RELATIVE_ERROR = 1e-14;

/** Digits `digits` × 10^`exponent`: the shortest decimal that reads back as `value` (a positive, finite float32). */
export function shortestFloat32Decimal(value: number): { digits: number; exponent: number } {
  F32[0] = value;
  const bits = U32[0]!;
  const biased = (bits >>> 23) & 0xff;
  const fraction = bits & 0x7fffff;
  const mantissa = biased === 0 ? fraction : fraction | 0x800000;
  const shift = (biased === 0 ? -149 : biased - 150) - 2;
  // The values that read back as `value` lie between its midpoints to its neighbours, as multiples of 2^shift.
  const lowUnits = 4 * mantissa - (fraction === 0 && biased > 1 ? 1 : 2);
  const highUnits = 4 * mantissa + 2;
  const scale = POW2[shift + 151]!;
  const low = lowUnits * scale;
  const high = highUnits * scale;
  const inclusive = mantissa % 2 === 0; // a tie rounds to the even mantissa
  const bounds = BOUNDS;
  bounds.lowUnits = lowUnits;
  bounds.highUnits = highUnits;
  bounds.shift = shift;
  bounds.inclusive = inclusive;
  bounds.low = low;
  bounds.high = high;
  // A decimal with digits at 10^k in the interval means one at 10^(k-1) too (append a 0): the
  // largest such k, found by bisection over the ≤ 10 candidates, gives the fewest digits.
  // high < 2^(shift + 26), so no decimal at 10^above fits; ten more digits than that always do.
  let above = Math.floor((shift + 26) * LOG10_2) + 1;
  let found = above - 11;
  while (above - found > 1) {
    const middle = (found + above) >> 1;
    if (candidates(middle, bounds)) found = middle;
    else above = middle;
  }
  candidates(found, bounds);
  const p = pow10(-found);
  let digits = Math.min(range.last, Math.max(range.first, roundHalfEven(value * p)));
  let exponent = found;
  while (digits % 10 === 0 && digits !== 0) {
    digits /= 10;
    exponent++;
  }
  return { digits, exponent };
}

interface Bounds {
  lowUnits: number;
  highUnits: number;
  shift: number;
  inclusive: boolean;
  low: number;
  high: number;
}

/** The interval of the value being formatted (one object, reused: no allocation per value). */
const BOUNDS: Bounds = { lowUnits: 0, highUnits: 0, shift: 0, inclusive: false, low: 0, high: 0 };

/** The integers `range.first … range.last` whose multiple of 10^exponent reads back as the value (set by `candidates`). */
const range = { first: 0, last: 0 };

/** Is there a decimal digits × 10^exponent within the bounds? Sets `range` to those digits. */
function candidates(exponent: number, bounds: Bounds): boolean {
  const p = pow10(-exponent);
  const lo = bounds.low * p;
  const hi = bounds.high * p;
  // lo and hi are off by at most a few float64 ulps (one rounded power of ten, one product).
  const epsilon = hi * RELATIVE_ERROR;
  let first = Math.ceil(lo - epsilon);
  if (first - lo <= epsilon && !within(first, exponent, bounds.lowUnits, bounds.shift, bounds.inclusive, 1)) first++;
  let last = Math.floor(hi + epsilon);
  if (hi - last <= epsilon && !within(last, exponent, bounds.highUnits, bounds.shift, bounds.inclusive, -1)) last--;
  range.first = first;
  range.last = last;
  return first <= last;
}

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
  const { digits, exponent } = shortestFloat32Decimal(Math.abs(rounded));
  return (rounded < 0 ? '-' : '') + layoutDecimal(String(digits), exponent);
}

/**
 * Writes `value` as `formatFloat32` does into `out` at `at`; returns the offset after it.
 * No string is created: digits go straight into the bytes (`out` needs 16 bytes of room).
 */
export function writeFloat32(out: Uint8Array, at: number, value: number): number {
  const rounded = Math.fround(value);
  if (!Number.isFinite(rounded) || rounded === 0) return writeAscii(out, at, formatFloat32(rounded));
  if (rounded < 0) out[at++] = 45; // '-'
  const { digits, exponent } = shortestFloat32Decimal(Math.abs(rounded));
  const count = digitCount(digits);
  const point = count + exponent; // the decimal point sits after `point` digits
  if (exponent >= 0 && point <= 21) {
    at = writeDigits(out, at, digits, count);
    for (let i = 0; i < exponent; i++) out[at++] = 48;
    return at;
  }
  if (point > 0 && point <= 21) {
    const tail = count - point;
    const divisor = pow10(tail);
    const head = Math.floor(digits / divisor);
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
  return writeAscii(out, at, layoutDecimal(String(digits), exponent));
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

function digitCount(value: number): number {
  let count = 1;
  while (value >= pow10(count)) count++;
  return count;
}

/** `value` (< 10^count) as exactly `count` digits, zero-padded on the left. */
function writeDigits(out: Uint8Array, at: number, value: number, count: number): number {
  for (let i = at + count - 1; i >= at; i--) {
    const next = Math.floor(value / 10);
    out[i] = 48 + (value - next * 10);
    value = next;
  }
  return at + count;
}

function writeAscii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}
