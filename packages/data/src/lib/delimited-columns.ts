import { type Column, DataError } from '@reproml/core';
import type { ColumnKind } from './column-kinds';
import { cellString, type RowCells } from './delimited-scanner';
import { infiniteNumberError } from './max-field-length';
import { isInfiniteNumberText, parseNumberBytes } from './parse-number';
import { StringInterner } from './string-interner';

/** Tests "is this cell one of the missing-value spellings" on its bytes, without decoding most cells. */
export class MissingMatcher {
  private readonly values: Set<string>;
  private readonly maxLength: number;
  private readonly matchesEmpty: boolean;

  constructor(values: readonly string[]) {
    this.values = new Set(values);
    this.maxLength = Math.max(0, ...values.map((value) => Buffer.byteLength(value)));
    this.matchesEmpty = this.values.has('');
  }

  /** `start` < 0 marks a quoted cell with `""` escapes (see RowCells). */
  isMissing(bytes: Buffer, start: number, end: number): boolean {
    const length = end - (start < 0 ? ~start : start);
    if (length === 0) return this.matchesEmpty;
    if (length > this.maxLength) return false;
    return this.values.has(cellString(bytes, start, end));
  }
}

/** The scanned rows of one CSV/TSV text, and what the readers need to turn cells into values. */
export interface DelimitedCells {
  bytes: Buffer;
  rows: RowCells;
  header: readonly string[];
  missing: MissingMatcher;
  file: string;
}

/**
 * Column `index` as a Table column: numbers when every present cell is a number (NaN =
 * missing), strings otherwise (null = missing), unless `forced` says which. An infinity in a
 * column of numbers, or a non-number in a forced number column, is an error naming the line.
 */
export function delimitedColumn(cells: DelimitedCells, index: number, forced?: ColumnKind): Column {
  const name = cells.header[index]!;
  if (forced !== 'string') {
    const values = new Float64Array(cells.rows.rowCount);
    const failedRow = readNumberCells(cells, index, values, 0, forced === 'number');
    if (failedRow === undefined) return { name, kind: 'number', values };
  }
  return { name, kind: 'string', values: readStringCells(cells, index) };
}

/**
 * Parses column `index` of every row into `target` from `offset`; returns the first row that is
 * no number (none: undefined). `strict` (a number column by declaration) makes that row an
 * error. An infinity fails when the column is a number column (declared, or numbers besides it).
 */
export function readNumberCells(
  cells: DelimitedCells,
  index: number,
  target: Float64Array | Float32Array,
  offset: number,
  strict: boolean,
): number | undefined {
  const { bytes, rows, missing } = cells;
  const { starts, ends, columnCount, rowCount } = rows;
  let infiniteRow: number | undefined;
  let hasFinite = false;
  for (let row = 0, cell = index; row < rowCount; row++, cell += columnCount) {
    const rawStart = starts[cell]!;
    const start = rawStart < 0 ? ~rawStart : rawStart;
    const end = ends[cell]!;
    const parsed = parseNumberBytes(bytes, start, end);
    if (parsed !== undefined) {
      target[offset + row] = parsed;
      hasFinite = true;
    } else if (missing.isMissing(bytes, rawStart, end)) {
      target[offset + row] = NaN;
    } else if (isInfiniteNumberText(cellString(bytes, rawStart, end))) {
      infiniteRow ??= row;
    } else {
      if (strict) throw notANumberError(cells, index, row);
      return row;
    }
  }
  if (infiniteRow !== undefined && (strict || hasFinite)) {
    const cell = infiniteRow * columnCount + index;
    throw infiniteNumberError({
      file: cells.file,
      column: cells.header[index]!,
      where: `line ${rows.lines[infiniteRow]}`,
      text: cellString(bytes, starts[cell]!, ends[cell]!),
    });
  }
  return infiniteRow;
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
