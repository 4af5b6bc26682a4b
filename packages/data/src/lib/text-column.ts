import type { StringColumn } from '@reproml/core';

/**
 * A column's cells as undecoded UTF-8 text, for copying a column through unchanged (the
 * predict stage's key): cell `row` is `bytes[row === 0 ? 0 : ends[row - 1], ends[row])`; a
 * missing cell is empty and marked in `missing`. The CSV/TSV reader fills it straight from the
 * file's bytes (quotes removed, `""` unescaped), the other formats from the decoded strings:
 * the UTF-8 of the string column the same reader would give, either way.
 */
export interface TextColumn {
  name: string;
  rowCount: number;
  bytes: Uint8Array;
  ends: Int32Array;
  missing: Uint8Array;
}

/** Start offset of a cell's text in `bytes`. */
export function textCellStart(column: TextColumn, row: number): number {
  return row === 0 ? 0 : column.ends[row - 1]!;
}

/** A cell as a string (null when missing). */
export function textCellString(column: TextColumn, row: number): string | null {
  if (column.missing[row] === 1) return null;
  return Buffer.from(column.bytes.buffer, column.bytes.byteOffset, column.bytes.length).toString('utf8', textCellStart(column, row), column.ends[row]!);
}

/** The TextColumn of decoded strings (formats whose readers decode cells themselves: JSON, JSONL, Parquet). */
export function textColumnFromStrings(column: StringColumn): TextColumn {
  const builder = new TextColumnBuilder(column.values.length);
  for (const value of column.values) {
    if (value === null) builder.appendMissing();
    else builder.appendString(value);
  }
  return builder.take(column.name);
}

/** Builds a TextColumn cell by cell into a growing byte buffer. */
export class TextColumnBuilder {
  private bytes: Buffer;
  private ends: Int32Array;
  private missing: Uint8Array;
  private used = 0;
  private rows = 0;

  constructor(private readonly capacity: number) {
    this.bytes = Buffer.allocUnsafe(Math.max(64, 16 * capacity));
    this.ends = new Int32Array(capacity);
    this.missing = new Uint8Array(capacity);
  }

  get rowCount(): number {
    return this.rows;
  }

  appendMissing(): void {
    this.reserveRow();
    this.missing[this.rows] = 1;
    this.ends[this.rows++] = this.used;
  }

  /** UTF-8 bytes `source[start, end)` as one cell. */
  appendBytes(source: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    const bytes = this.bytes;
    let at = this.used;
    if (end - start > 32) {
      bytes.set(source.subarray(start, end), at);
      at += end - start;
    } else for (let i = start; i < end; i++) bytes[at++] = source[i]!;
    this.used = at;
    this.reserveRow();
    this.ends[this.rows++] = at;
  }

  /** The inside of a quoted field `source[start, end)` with each `""` as one `"`. */
  appendUnescaped(source: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    const bytes = this.bytes;
    let at = this.used;
    for (let i = start; i < end; i++) {
      const byte = source[i]!;
      bytes[at++] = byte;
      if (byte === 34) i++; // the second quote of a pair
    }
    this.used = at;
    this.reserveRow();
    this.ends[this.rows++] = at;
  }

  appendString(value: string): void {
    this.reserve(3 * value.length);
    this.used += this.bytes.write(value, this.used, 'utf8');
    this.reserveRow();
    this.ends[this.rows++] = this.used;
  }

  /** The column so far; the builder starts over (its buffers are handed out, not reused). */
  take(name: string): TextColumn {
    const column: TextColumn = {
      name,
      rowCount: this.rows,
      bytes: this.bytes.subarray(0, this.used),
      ends: this.ends.subarray(0, this.rows),
      missing: this.missing.subarray(0, this.rows),
    };
    this.bytes = Buffer.allocUnsafe(this.bytes.length);
    this.ends = new Int32Array(this.capacity);
    this.missing = new Uint8Array(this.capacity);
    this.used = 0;
    this.rows = 0;
    return column;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.bytes.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.used + bytes));
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
  }

  private reserveRow(): void {
    if (this.rows < this.ends.length) return;
    const ends = new Int32Array(Math.max(16, 2 * this.ends.length));
    ends.set(this.ends);
    this.ends = ends;
    const missing = new Uint8Array(ends.length);
    missing.set(this.missing);
    this.missing = missing;
  }
}
