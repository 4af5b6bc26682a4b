import { type Column, DataError, type Table } from '@reproml/core';
import type { ColumnKind } from './column-kinds';
import { fieldTooLongError, infiniteNumberError, MAX_FIELD_LENGTH } from './max-field-length';
import { isInfiniteNumberText, parseNumberSpan } from './parse-number';

const QUOTE = 34;
const LF = 10;
const CR = 13;

export interface ReadDelimitedParams {
  text: string;
  /** `,` for CSV, `\t` for TSV. */
  delimiter: ',' | '\t';
  /** Workspace-relative path (or URL) of the file, for messages. */
  file: string;
  /** Cell texts that mean "missing". */
  missingValues: readonly string[];
  /** Columns whose kind is forced instead of inferred. */
  columnKinds?: Readonly<Record<string, ColumnKind>>;
}

/**
 * Reads CSV/TSV text (RFC 4180 quoting, LF or CRLF line ends, blank lines skipped) into a
 * columnar Table. The scan records only where each cell starts and ends; cells become
 * numbers or strings column by column afterwards, so no per-row objects are created.
 */
export function readDelimited(params: ReadDelimitedParams): Table {
  const scan = scanCells(params.text, params.delimiter.charCodeAt(0), params.file);
  const header = scan.header;
  assertUniqueNames(header, params.file);
  const missing = new MissingMatcher(params.missingValues);
  const columns: Column[] = header.map((name, index) =>
    buildColumn({ name, index, scan, text: params.text, missing, forced: params.columnKinds?.[name], file: params.file }),
  );
  return { columns, rowCount: scan.rowCount };
}

interface CellScan {
  header: string[];
  columnCount: number;
  rowCount: number;
  /** Row-major cell starts; a negative value `~start` marks a quoted cell with `""` escapes. */
  starts: Int32Array;
  ends: Int32Array;
}

function scanCells(text: string, delimiter: number, file: string): CellScan {
  const length = text.length;
  let starts = new Int32Array(1 << 16);
  let ends = new Int32Array(1 << 16);
  let cellCount = 0;
  let columnCount = -1;
  let header: string[] = [];
  let rowCount = 0;
  let line = 1;
  let pos = 0;

  while (pos < length) {
    const lineOfRecord = line;
    const first = text.charCodeAt(pos);
    if (first === LF || first === CR) {
      pos += first === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
      line++;
      continue;
    }
    let fields = 0;
    for (;;) {
      let start: number;
      let end: number;
      let code = text.charCodeAt(pos);
      if (code === QUOTE) {
        start = pos + 1;
        let close = text.indexOf('"', start);
        let escaped = false;
        while (close !== -1 && text.charCodeAt(close + 1) === QUOTE) {
          escaped = true;
          close = text.indexOf('"', close + 2);
        }
        if (close === -1) {
          throw new DataError(`${file}: unterminated quoted field starting on line ${line}`, {
            file,
            hint: 'Close the quote, or escape quotes inside a field by doubling them ("").',
          });
        }
        for (let newline = text.indexOf('\n', start); newline !== -1 && newline < close; newline = text.indexOf('\n', newline + 1)) line++;
        end = close;
        pos = close + 1;
        code = text.charCodeAt(pos);
        if (pos < length && code !== delimiter && code !== LF && code !== CR) {
          throw new DataError(`${file}: unexpected text after a closing quote on line ${line}`, {
            file,
            hint: 'A quoted field must end at the delimiter or the end of the line; double quotes inside it ("").',
          });
        }
        if (escaped) start = ~start;
      } else {
        start = pos;
        while (pos < length && code !== delimiter && code !== LF && code !== CR) code = text.charCodeAt(++pos);
        end = pos;
      }
      if (end - (start < 0 ? ~start : start) > MAX_FIELD_LENGTH) {
        const column = columnCount === -1 ? `column ${fields + 1}` : (header[fields] ?? `column ${fields + 1}`);
        throw fieldTooLongError({ file, column, where: `line ${lineOfRecord}`, length: end - (start < 0 ? ~start : start) });
      }
      if (cellCount === starts.length) {
        starts = grow(starts);
        ends = grow(ends);
      }
      starts[cellCount] = start;
      ends[cellCount] = end;
      cellCount++;
      fields++;
      if (pos < length && code === delimiter) {
        pos++;
        if (pos === length) {
          // A trailing delimiter at the very end of the file still opens one more (empty) field.
          if (cellCount === starts.length) {
            starts = grow(starts);
            ends = grow(ends);
          }
          starts[cellCount] = pos;
          ends[cellCount] = pos;
          cellCount++;
          fields++;
        }
        continue;
      }
      if (code === CR) pos += text.charCodeAt(pos + 1) === LF ? 2 : 1;
      else if (code === LF) pos++;
      line++;
      break;
    }
    if (columnCount === -1) {
      columnCount = fields;
      header = Array.from({ length: fields }, (_, i) => cellText(text, starts[i]!, ends[i]!));
      cellCount = 0;
      continue;
    }
    if (fields !== columnCount) {
      throw new DataError(`${file}: line ${lineOfRecord} has ${fields} field(s), the header has ${columnCount}`, {
        file,
        hint: 'Quote fields that contain the delimiter or line breaks, and give every row as many fields as the header.',
      });
    }
    rowCount++;
  }
  if (columnCount === -1) {
    throw new DataError(`${file} is empty: expected a header line`, { file, hint: 'Check that the source points at the right file.' });
  }
  return { header, columnCount, rowCount, starts, ends };
}

function grow(array: Int32Array): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

function cellText(text: string, start: number, end: number): string {
  return start < 0 ? text.slice(~start, end).replaceAll('""', '"') : text.slice(start, end);
}

function assertUniqueNames(header: readonly string[], file: string): void {
  const seen = new Set<string>();
  for (const [index, name] of header.entries()) {
    if (name === '') {
      throw new DataError(`${file}: column ${index + 1} has an empty name in the header`, {
        file,
        field: `column ${index + 1}`,
        hint: 'Give every column a name (an unnamed first column is often an index written by pandas: drop it or name it).',
      });
    }
    if (seen.has(name)) {
      throw new DataError(`${file}: column '${name}' appears twice in the header (columns ${header.indexOf(name) + 1} and ${index + 1})`, {
        file,
        field: name,
        hint: 'Rename one of the two columns.',
      });
    }
    seen.add(name);
  }
}

/** Tests "is this cell one of the missing-value spellings" without slicing most cells. */
class MissingMatcher {
  private readonly values: Set<string>;
  private readonly maxLength: number;
  private readonly matchesEmpty: boolean;

  constructor(values: readonly string[]) {
    this.values = new Set(values);
    this.maxLength = Math.max(0, ...values.map((value) => value.length));
    this.matchesEmpty = this.values.has('');
  }

  isMissing(text: string, start: number, end: number): boolean {
    const length = end - start;
    if (length === 0) return this.matchesEmpty;
    if (length > this.maxLength) return false;
    return this.values.has(cellText(text, start, end));
  }
}

interface BuildColumnParams {
  name: string;
  index: number;
  scan: CellScan;
  text: string;
  missing: MissingMatcher;
  forced?: ColumnKind;
  file: string;
}

function buildColumn(params: BuildColumnParams): Column {
  const { name, index, scan, text, missing, forced, file } = params;
  if (forced !== 'string') {
    const numbers = tryNumberColumn(params);
    if (numbers.infiniteRow !== undefined && (forced === 'number' || numbers.hasFinite)) {
      const cell = numbers.infiniteRow * scan.columnCount + index;
      const where = `row ${numbers.infiniteRow + 1}`;
      throw infiniteNumberError({ file, column: name, where, text: cellText(text, scan.starts[cell]!, scan.ends[cell]!) });
    }
    if (numbers.values) return { name, kind: 'number', values: numbers.values };
    if (forced === 'number') {
      const row = numbers.failedRow!;
      const cell = row * scan.columnCount + index;
      throw new DataError(
        `${file}: column '${name}' is declared as a number but row ${row + 1} holds ${JSON.stringify(cellText(text, scan.starts[cell]!, scan.ends[cell]!))}`,
        { file, field: name, hint: 'Fix the value, list its spelling as a missing value, or read the column as a string.' },
      );
    }
  }
  const values = new Array<string | null>(scan.rowCount);
  for (let row = 0, cell = index; row < scan.rowCount; row++, cell += scan.columnCount) {
    const start = scan.starts[cell]!;
    const end = scan.ends[cell]!;
    values[row] = missing.isMissing(text, start, end) ? null : cellText(text, start, end);
  }
  return { name, kind: 'string', values };
}

/**
 * The column as numbers, or the first row that is no number. Infinity spellings (`inf`,
 * `1e999`) are remembered rather than ending the attempt: a column of numbers with an
 * infinity in it is an error, not a string column.
 */
function tryNumberColumn(params: BuildColumnParams): { values?: Float64Array; failedRow?: number; infiniteRow?: number; hasFinite?: boolean } {
  const { index, scan, text, missing } = params;
  const values = new Float64Array(scan.rowCount);
  let infiniteRow: number | undefined;
  let hasFinite = false;
  for (let row = 0, cell = index; row < scan.rowCount; row++, cell += scan.columnCount) {
    let start = scan.starts[cell]!;
    const end = scan.ends[cell]!;
    if (start < 0) start = ~start;
    const parsed = parseNumberSpan(text, start, end);
    if (parsed !== undefined) {
      values[row] = parsed;
      hasFinite = true;
    } else if (missing.isMissing(text, scan.starts[cell]!, end)) {
      values[row] = NaN;
    } else if (isInfiniteNumberText(text.slice(start, end))) {
      infiniteRow ??= row;
    } else {
      return { failedRow: row };
    }
  }
  return infiniteRow === undefined ? { values } : { infiniteRow, hasFinite };
}
