/** Exact powers of ten: m / 10^k with m < 2^53 and k ≤ 22 is one correctly rounded division. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_E = 101;
const UPPER_E = 69;
const SPACE = 32;
const TAB = 9;

/**
 * Parses `text[start, end)` as a decimal number (`-12`, `3.5`, `.5`, `1e-3`, surrounding
 * spaces allowed) without creating a substring on the common path; returns undefined when
 * the span is not a number. `Infinity`, `0x10`, `1_000` and empty spans are not numbers.
 * Short mantissas take the exact fast path; the rest goes through `Number()`, so the
 * result always equals JavaScript's own (correctly rounded) parse.
 */
export function parseNumberSpan(text: string, start: number, end: number): number | undefined {
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  if (start === end) return undefined;
  let i = start;
  let negative = false;
  const first = text.charCodeAt(i);
  if (first === MINUS || first === PLUS) {
    negative = first === MINUS;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  let code = text.charCodeAt(i);
  while (i < end && code >= ZERO && code <= NINE) {
    mantissa = mantissa * 10 + (code - ZERO);
    digits++;
    code = text.charCodeAt(++i);
  }
  if (i < end && code === DOT) {
    code = text.charCodeAt(++i);
    while (i < end && code >= ZERO && code <= NINE) {
      mantissa = mantissa * 10 + (code - ZERO);
      digits++;
      fractionDigits++;
      code = text.charCodeAt(++i);
    }
  }
  if (digits === 0) return undefined;
  if (i === end) {
    if (digits <= 15) {
      const magnitude = fractionDigits === 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits]!;
      return negative ? -magnitude : magnitude;
    }
    // Over ~309 digits the value overflows: that is no finite number (isInfiniteNumberText says why).
    const long = Number(text.slice(start, end));
    return Number.isFinite(long) ? long : undefined;
  }
  if (code !== LOWER_E && code !== UPPER_E) return undefined;
  code = text.charCodeAt(++i);
  if (code === PLUS || code === MINUS) code = text.charCodeAt(++i);
  let exponentDigits = 0;
  while (i < end && code >= ZERO && code <= NINE) {
    exponentDigits++;
    code = text.charCodeAt(++i);
  }
  if (exponentDigits === 0 || i !== end) return undefined;
  const value = Number(text.slice(start, end));
  return Number.isFinite(value) ? value : undefined;
}

/**
 * `parseNumberSpan` over UTF-8 (or ASCII) bytes `bytes[start, end)`: the same grammar and the
 * same result, without decoding the cell (every byte a number may hold is ASCII, so any other
 * byte makes the span no number). Used by the delimited readers on file bytes.
 */
export function parseNumberBytes(bytes: Uint8Array, start: number, end: number): number | undefined {
  while (start < end && isBlank(bytes[start]!)) start++;
  while (end > start && isBlank(bytes[end - 1]!)) end--;
  if (start === end) return undefined;
  let i = start;
  let negative = false;
  const first = bytes[i]!;
  if (first === MINUS || first === PLUS) {
    negative = first === MINUS;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  let code = i < end ? bytes[i]! : 0;
  while (code >= ZERO && code <= NINE) {
    mantissa = mantissa * 10 + (code - ZERO);
    digits++;
    code = ++i < end ? bytes[i]! : 0;
  }
  if (code === DOT) {
    code = ++i < end ? bytes[i]! : 0;
    while (code >= ZERO && code <= NINE) {
      mantissa = mantissa * 10 + (code - ZERO);
      digits++;
      fractionDigits++;
      code = ++i < end ? bytes[i]! : 0;
    }
  }
  if (digits === 0) return undefined;
  if (i === end) {
    if (digits <= 15) {
      const magnitude = fractionDigits === 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits]!;
      return negative ? -magnitude : magnitude;
    }
    const long = Number(asciiText(bytes, start, end));
    return Number.isFinite(long) ? long : undefined;
  }
  if (code !== LOWER_E && code !== UPPER_E) return undefined;
  code = ++i < end ? bytes[i]! : 0;
  if (code === PLUS || code === MINUS) code = ++i < end ? bytes[i]! : 0;
  let exponentDigits = 0;
  while (code >= ZERO && code <= NINE) {
    exponentDigits++;
    code = ++i < end ? bytes[i]! : 0;
  }
  if (exponentDigits === 0 || i !== end) return undefined;
  const value = Number(asciiText(bytes, start, end));
  return Number.isFinite(value) ? value : undefined;
}

/** The span as text; only called on spans the grammar above has checked to be ASCII. */
function asciiText(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

const INFINITY_WORD = /^[+-]?(?:inf|infinity)$/i;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * True for the texts writers use for ±Infinity (`inf`, `-Infinity`, `INF`) and for decimals too
 * large for a float64 (`1e999`): in a number column they are an error, never a silent string
 * column or a missing value, because no stage can compute with them.
 */
export function isInfiniteNumberText(text: string): boolean {
  const trimmed = text.trim();
  if (INFINITY_WORD.test(trimmed)) return true;
  return DECIMAL.test(trimmed) && !Number.isFinite(Number(trimmed));
}
