import { DataError } from '@reproml/core';
import { fieldTooLongError, MAX_FIELD_LENGTH } from './max-field-length';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * The cells of scanned rows as byte offsets into the buffer that was scanned: row-major,
 * `columnCount` cells a row. A negative start `~start` marks a quoted cell holding `""`
 * escapes. `lines` holds the file line each row starts on, for messages.
 */
export class RowCells {
  rowCount = 0;
  starts: Int32Array;
  ends: Int32Array;
  lines: Int32Array;

  /** `capacity`: rows the arrays hold; `growable` lets them grow past it (a whole file), else scanning stops there (a batch). */
  constructor(
    readonly columnCount: number,
    public capacity: number,
    readonly growable: boolean,
  ) {
    this.starts = new Int32Array(capacity * columnCount);
    this.ends = new Int32Array(capacity * columnCount);
    this.lines = new Int32Array(capacity);
  }

  get full(): boolean {
    return !this.growable && this.rowCount === this.capacity;
  }

  /** Room for one more row (a growable set doubles). */
  reserveRow(): void {
    if (this.rowCount < this.capacity) return;
    this.capacity *= 2;
    this.starts = grow(this.starts, this.capacity * this.columnCount);
    this.ends = grow(this.ends, this.capacity * this.columnCount);
    this.lines = grow(this.lines, this.capacity);
  }
}

function grow(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(length);
  bigger.set(array);
  return bigger;
}

export interface DelimitedScannerParams {
  /** `,` for CSV, `\t` for TSV. */
  delimiter: ',' | '\t';
  /** Workspace-relative path (or URL) of the file, for messages. */
  file: string;
}

/**
 * The one CSV/TSV scanner of ReproML: RFC 4180 over UTF-8 bytes, fed the whole file at once
 * or chunk by chunk. It records where each cell starts and ends (no strings, no per-row
 * objects) and enforces one set of rules for every reader: a quoted field must close and be
 * followed by the delimiter or the line end, every row has the header's number of fields, a
 * cell is at most MAX_FIELD_LENGTH characters, header names are present and unique. Line ends
 * are LF, CRLF or CR; blank lines are skipped; a UTF-8 byte-order mark is dropped.
 */
export class DelimitedScanner {
  /** The header's names, once its record has been scanned. */
  header: string[] | undefined;
  /** File line of the next record. */
  line = 1;
  private readonly delimiter: number;
  private readonly file: string;
  private atFileStart = true;
  /** Where the cells of a data row go (set while one is scanned), and its first cell's index there. */
  private target: RowCells | undefined;
  private base = 0;
  /** Cells of the header record. */
  private cellStarts = new Int32Array(64);
  private cellEnds = new Int32Array(64);
  private fieldCount = 0;

  constructor(params: DelimitedScannerParams) {
    this.delimiter = params.delimiter.charCodeAt(0);
    this.file = params.file;
  }

  /**
   * Scans the records of `bytes[from, to)` (which starts at a record boundary) until the end
   * or until `rows` is full, and returns the offset after the last complete record. `final`
   * says `to` is the end of the file; otherwise a record cut off at `to` is left for the next
   * call (with more bytes after it). The header record sets `header`; pass `rows` once it is
   * known (until then no row is scanned past the header).
   */
  scan(bytes: Buffer, from: number, to: number, final: boolean, rows?: RowCells): number {
    let pos = from;
    if (this.atFileStart) {
      if (to - pos < 3 && !final) return pos;
      if (bytes[pos] === 0xef && bytes[pos + 1] === 0xbb && bytes[pos + 2] === 0xbf) pos += 3;
      this.atFileStart = false;
    }
    while (pos < to) {
      const first = bytes[pos]!;
      if (first === LF || first === CR) {
        if (first === CR && pos + 1 === to && !final) return pos;
        pos += first === CR && bytes[pos + 1] === LF ? 2 : 1;
        this.line++;
        continue;
      }
      if (this.header !== undefined && (rows === undefined || rows.full)) return pos;
      const recordLine = this.line;
      if (this.header !== undefined) {
        rows!.reserveRow();
        this.target = rows;
        this.base = rows!.rowCount * rows!.columnCount;
      }
      const next = this.scanRecord(bytes, pos, to, final);
      this.target = undefined;
      if (next === -1) return pos;
      pos = next;
      if (this.header === undefined) {
        this.header = this.headerNames(bytes);
        continue;
      }
      if (this.fieldCount !== this.header.length) {
        throw new DataError(`${this.file}: line ${recordLine} has ${this.fieldCount} field(s), the header has ${this.header.length}`, {
          file: this.file,
          hint: 'Quote fields that contain the delimiter or line breaks, and give every row as many fields as the header.',
        });
      }
      rows!.lines[rows!.rowCount] = recordLine;
      rows!.rowCount++;
    }
    if (final && this.header === undefined) {
      throw new DataError(`${this.file} is empty: expected a header line`, { file: this.file, hint: 'Check that the source points at the right file.' });
    }
    return pos;
  }

  /** One record from `pos` (not a blank line): its cells into cellStarts/cellEnds; the offset after it, or -1 when cut off at `to`. */
  private scanRecord(bytes: Buffer, pos: number, to: number, final: boolean): number {
    const delimiter = this.delimiter;
    let line = this.line;
    let fields = 0;
    for (;;) {
      let start: number;
      let end: number;
      let escaped = false;
      if (pos < to && bytes[pos] === QUOTE) {
        start = pos + 1;
        let close = start;
        for (;;) {
          close = bytes.indexOf(QUOTE, close);
          if (close === -1 || close >= to) {
            if (!final) return this.cutOff(bytes, start, to, fields, line);
            throw new DataError(`${this.file}: unterminated quoted field starting on line ${line}`, {
              file: this.file,
              hint: 'Close the quote, or escape quotes inside a field by doubling them ("").',
            });
          }
          if (close + 1 === to && !final) return this.cutOff(bytes, start, to, fields, line);
          if (bytes[close + 1] !== QUOTE) break;
          escaped = true;
          close += 2;
        }
        for (let i = start; i < close; i++) if (bytes[i] === LF) line++;
        end = close;
        pos = close + 1;
        if (pos < to) {
          const code = bytes[pos]!;
          if (code !== delimiter && code !== LF && code !== CR) {
            throw new DataError(`${this.file}: unexpected text after a closing quote on line ${line}`, {
              file: this.file,
              hint: 'A quoted field must end at the delimiter or the end of the line; double quotes inside it ("").',
            });
          }
        }
      } else {
        start = pos;
        while (pos < to) {
          const code = bytes[pos]!;
          if (code === delimiter || code === LF || code === CR) break;
          pos++;
        }
        if (pos === to && !final) return this.cutOff(bytes, start, to, fields, line);
        end = pos;
      }
      if (end - start > MAX_FIELD_LENGTH) this.checkFieldLength(bytes, start, end, fields, this.line);
      this.pushCell(escaped ? ~start : start, end, fields++);
      if (pos < to && bytes[pos] === delimiter) {
        pos++;
        if (pos < to) continue;
        if (!final) return -1;
        // A trailing delimiter at the very end of the file still opens one more (empty) field.
        this.pushCell(pos, pos, fields++);
        break;
      }
      if (pos < to) {
        if (bytes[pos] === CR) {
          if (pos + 1 === to && !final) return -1;
          pos += bytes[pos + 1] === LF ? 2 : 1;
        } else pos++;
      }
      line++;
      break;
    }
    this.fieldCount = fields;
    this.line = line;
    return pos;
  }

  /** A record cut off at the end of the bytes so far: fine, unless its last field is already longer than any cell may be. */
  private cutOff(bytes: Uint8Array, start: number, to: number, field: number, line: number): -1 {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8: past 3 × the limit the field is too long whatever follows.
    if (to - start > 3 * MAX_FIELD_LENGTH) this.checkFieldLength(bytes, start, to, field, line);
    return -1;
  }

  /** MAX_FIELD_LENGTH counts UTF-16 code units (characters), as the JSON and Parquet readers do. */
  private checkFieldLength(bytes: Uint8Array, start: number, end: number, field: number, line: number): void {
    const length = utf16Length(bytes, start, end);
    if (length <= MAX_FIELD_LENGTH) return;
    const column = this.header?.[field] ?? `column ${field + 1}`;
    throw fieldTooLongError({ file: this.file, column, where: `line ${line}`, length });
  }

  private pushCell(start: number, end: number, index: number): void {
    const target = this.target;
    if (target !== undefined) {
      // A data row goes straight into the rows (cells past the header's count only count: the row is an error).
      if (index < target.columnCount) {
        target.starts[this.base + index] = start;
        target.ends[this.base + index] = end;
      }
      return;
    }
    if (index === this.cellStarts.length) {
      this.cellStarts = grow(this.cellStarts, index * 2);
      this.cellEnds = grow(this.cellEnds, index * 2);
    }
    this.cellStarts[index] = start;
    this.cellEnds[index] = end;
  }

  private headerNames(bytes: Buffer): string[] {
    const names = Array.from({ length: this.fieldCount }, (_, i) => cellString(bytes, this.cellStarts[i]!, this.cellEnds[i]!));
    assertUniqueNames(names, this.file);
    return names;
  }
}

/** The text of a cell (start < 0: quoted with `""` escapes). */
export function cellString(bytes: Buffer, start: number, end: number): string {
  if (start < 0) return bytes.toString('utf8', ~start, end).replaceAll('""', '"');
  return bytes.toString('utf8', start, end);
}

/** Length in UTF-16 code units of valid UTF-8 `bytes[start, end)`. */
function utf16Length(bytes: Uint8Array, start: number, end: number): number {
  let length = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) !== 0x80) length += byte >= 0xf0 ? 2 : 1;
  }
  return length;
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
