import { DataError } from '@reproml/core';
import { cellString, type RowCells } from './delimited-scanner';
import { infiniteNumberError } from './max-field-length';
import { isInfiniteNumberText, parseNumberBytes } from './parse-number';
import { StringInterner } from './string-interner';
import type { TextColumnBuilder } from './text-column';

/** Tests "is this cell one of the missing-value spellings" on its bytes, without decoding cells. */
export class MissingMatcher {
  private readonly values: Set<string>;
  /** The spellings' UTF-8 bytes, by byte length. */
  private readonly byLength: Uint8Array[][];
  private readonly matchesEmpty: boolean;

  constructor(values: readonly string[]) {
    this.values = new Set(values);
    const encoded = [...this.values].map((value) => Buffer.from(value, 'utf8'));
    this.byLength = Array.from({ length: Math.max(0, ...encoded.map((bytes) => bytes.length)) + 1 }, (_, length) =>
      encoded.filter((bytes) => bytes.length === length),
    );
    this.matchesEmpty = this.values.has('');
  }

  /** `start` < 0 marks a quoted cell with `""` escapes (see RowCells). */
  isMissing(bytes: Buffer, start: number, end: number): boolean {
    if (start < 0) {
      if (end - ~start >= this.byLength.length) return false; // longer than any spelling, even before unescaping
      return this.values.has(cellString(bytes, start, end));
    }
    const length = end - start;
    if (length === 0) return this.matchesEmpty;
    if (length >= this.byLength.length) return false;
    const candidates = this.byLength[length]!;
    for (let c = 0; c < candidates.length; c++) if (sameBytes(candidates[c]!, bytes, start, length)) return true;
    return false;
  }
}

function sameBytes(expected: Uint8Array, bytes: Buffer, start: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (expected[i] !== bytes[start + i]) return false;
  return true;
}

/** The scanned rows of one CSV/TSV text, and what the readers need to turn cells into values. */
export interface DelimitedCells {
  bytes: Buffer;
  rows: RowCells;
  header: readonly string[];
  missing: MissingMatcher;
  file: string;
}

/** What parsing one window of a column as numbers found. */
export interface NumberScan {
  /** The first row that is neither a number, a missing value nor an infinity. */
  failedRow?: number;
  /** The first row holding an infinity (`inf`, `1e999`): its line and text. */
  infinite?: { line: number; text: string };
  /** Whether any row held a finite number. */
  hasFinite: boolean;
}

/**
 * Parses column `index` of every row into `target` from `offset` (NaN = missing), stopping at
 * the first row that is no number. Never throws: the caller decides what a non-number or an
 * infinity means (a string column, or an error).
 */
export function scanNumberCells(cells: DelimitedCells, index: number, target: Float64Array | Float32Array, offset: number): NumberScan {
  const { bytes, rows, missing } = cells;
  const { starts, ends, columnCount, rowCount } = rows;
  const scan: NumberScan = { hasFinite: false };
  for (let row = 0, cell = index; row < rowCount; row++, cell += columnCount) {
    const rawStart = starts[cell]!;
    const start = rawStart < 0 ? ~rawStart : rawStart;
    const end = ends[cell]!;
    const parsed = parseNumberBytes(bytes, start, end);
    if (parsed !== undefined) {
      target[offset + row] = parsed;
      scan.hasFinite = true;
    } else if (missing.isMissing(bytes, rawStart, end)) {
      target[offset + row] = NaN;
    } else {
      const text = cellString(bytes, rawStart, end);
      if (!isInfiniteNumberText(text)) {
        scan.failedRow = row;
        return scan;
      }
      scan.infinite ??= { line: rows.lines[row]!, text };
    }
  }
  return scan;
}

/** `scanNumberCells` for a declared number column: a non-number or an infinity is an error naming its line. */
export function readNumberCells(cells: DelimitedCells, index: number, target: Float64Array | Float32Array, offset: number): void {
  const scan = scanNumberCells(cells, index, target, offset);
  if (scan.failedRow !== undefined) throw notANumberError(cells, index, scan.failedRow);
  if (scan.infinite) throw infiniteError(cells.file, cells.header[index]!, scan.infinite);
}

export function infiniteError(file: string, column: string, infinite: { line: number; text: string }): DataError {
  return infiniteNumberError({ file, column, where: `line ${infinite.line}`, text: infinite.text });
}

/**
 * Column `index` of every row as text (null = missing), into `target` from `offset`. An
 * `interner` (one per column) makes equal cells one string: categories cost a reference a row.
 */
export function readStringCells(
  cells: DelimitedCells,
  index: number,
  target: (string | null)[] = new Array(cells.rows.rowCount),
  offset = 0,
  interner: StringInterner = new StringInterner(),
): (string | null)[] {
  const { bytes, rows, missing } = cells;
  const { starts, ends, columnCount, rowCount } = rows;
  for (let row = 0, cell = index; row < rowCount; row++, cell += columnCount) {
    const start = starts[cell]!;
    const end = ends[cell]!;
    if (missing.isMissing(bytes, start, end)) target[offset + row] = null;
    else target[offset + row] = start < 0 ? cellString(bytes, start, end) : interner.decode(bytes, start, end);
  }
  return target;
}

/** Column `index` of every row as undecoded text (quotes removed, `""` unescaped; missing marked), appended to `target`. */
export function readTextCells(cells: DelimitedCells, index: number, target: TextColumnBuilder): void {
  const { bytes, rows, missing } = cells;
  const { starts, ends, columnCount, rowCount } = rows;
  for (let row = 0, cell = index; row < rowCount; row++, cell += columnCount) {
    const start = starts[cell]!;
    const end = ends[cell]!;
    if (missing.isMissing(bytes, start, end)) target.appendMissing();
    else if (start < 0) target.appendUnescaped(bytes, ~start, end);
    else target.appendBytes(bytes, start, end);
  }
}

function notANumberError(cells: DelimitedCells, index: number, row: number): DataError {
  const cell = row * cells.rows.columnCount + index;
  const text = cellString(cells.bytes, cells.rows.starts[cell]!, cells.rows.ends[cell]!);
  const name = cells.header[index]!;
  return new DataError(`${cells.file}: column '${name}' is declared as a number but line ${cells.rows.lines[row]} holds ${JSON.stringify(text)}`, {
    file: cells.file,
    field: name,
    hint: 'Fix the value, list its spelling as a missing value, or read the column as a string.',
  });
}
