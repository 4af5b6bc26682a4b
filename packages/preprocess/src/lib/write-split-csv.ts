import { closeSync, openSync, writeSync } from 'node:fs';
import type { Column } from '@reproml/core';
import type { FeatureBlock, LabelValues } from './apply-transform';
import { csvField, csvLine } from './csv-text';

export interface WriteFeaturesCsvParams {
  path: string;
  blocks: readonly FeatureBlock[];
  /** Class id or target value per table row. */
  labels: LabelValues;
  /** Table rows of this split, in the order they are written. */
  rows: Uint32Array;
}

/** `<split>.features.csv`: the feature names then `label`; one line per row of the split. */
export async function writeFeaturesCsv(params: WriteFeaturesCsvParams): Promise<void> {
  const { blocks, labels } = params;
  const cells = blocks.map((block): CellSource => (block.kind === 'dense' ? new NumberCells(block.value) : new OneHotCells(block.names.length, block.codes)));
  cells.push(new NumberCells((row) => labels[row]!));
  writeCsv(params.path, csvLine([...blocks.flatMap((block) => block.names), 'label']), params.rows, cells);
}

export interface WriteRawCsvParams {
  path: string;
  /** The raw input columns then the target column, values as read (after casts and custom transforms). */
  columns: readonly Column[];
  rows: Uint32Array;
}

/** `<split>.raw.csv`: the same rows before imputation, encoding and scaling; missing values are empty cells. */
export async function writeRawCsv(params: WriteRawCsvParams): Promise<void> {
  const cells = params.columns.map((column): CellSource => {
    if (column.kind === 'number') {
      const values = column.values;
      return new NumberCells((row) => values[row]!);
    }
    return new TextCells(column.values);
  });
  writeCsv(params.path, csvLine(params.columns.map((column) => column.name)), params.rows, cells);
}

/** Rows formatted per batch: each source prepares a batch of rows, then the lines are written cell by cell. */
const BATCH_ROWS = 2048;

/** One column of cells (or a one-hot group, written as one cell of `0,1,0`). */
interface CellSource {
  /** Called with the table rows of the next batch before its cells are written. */
  prepare(rows: Uint32Array): void;
  /** Writes the cell of the batch's `index`-th row. */
  write(index: number, out: CsvBuffer): void;
}

/**
 * Numbers as text without a string per number: a batch goes through one `JSON.stringify` of a
 * number array, whose number texts are ECMAScript's ToString (the shortest round-trip form, as
 * `formatNumber` writes; -0 is "0"), and each cell's bytes are copied from that text. V8 allocates
 * the string of each `String(number)` in the old generation (its number-to-string cache lives
 * there), which only a full collection frees: at millions of rows beside a large table that
 * garbage reached gigabytes. NaN (JSON `null`) is an empty cell; no ±Infinity gets here.
 */
class NumberCells implements CellSource {
  private text = Buffer.allocUnsafe(BATCH_ROWS * 24);
  private readonly starts = new Int32Array(BATCH_ROWS);
  private readonly ends = new Int32Array(BATCH_ROWS);

  constructor(private readonly valueAt: (row: number) => number) {}

  prepare(rows: Uint32Array): void {
    const values: number[] = [];
    for (let i = 0; i < rows.length; i++) values.push(this.valueAt(rows[i]!));
    const json = JSON.stringify(values);
    if (json.length > this.text.length) this.text = Buffer.allocUnsafe(json.length * 2);
    const text = this.text;
    const length = text.write(json, 0, 'latin1');
    let cell = 0;
    let start = 1;
    for (let at = 1; at < length; at++) {
      const byte = text[at]!;
      if (byte === 44 || byte === 93) {
        this.starts[cell] = start;
        this.ends[cell++] = at;
        start = at + 1;
      }
    }
  }

  write(index: number, out: CsvBuffer): void {
    const start = this.starts[index]!;
    const end = this.ends[index]!;
    if (this.text[start] === 110) return; // `null`: NaN, a missing value
    out.bytes(this.text, start, end);
  }
}

/** A one-hot group from its codes: the precomputed bytes of `0,1,0` per code (all zeros for -1). */
class OneHotCells implements CellSource {
  private readonly byCode: Buffer[];
  private readonly zeros: Buffer;
  private rows: Uint32Array = new Uint32Array(0);

  constructor(
    width: number,
    private readonly codes: ArrayLike<number>,
  ) {
    this.zeros = Buffer.from(new Array<string>(width).fill('0').join(','), 'latin1');
    this.byCode = Array.from({ length: width }, (_, code) =>
      Buffer.from(Array.from({ length: width }, (_, i) => (i === code ? '1' : '0')).join(','), 'latin1'),
    );
  }

  prepare(rows: Uint32Array): void {
    this.rows = rows;
  }

  write(index: number, out: CsvBuffer): void {
    const code = this.codes[this.rows[index]!]!;
    const bytes = code < 0 ? this.zeros : this.byCode[code]!;
    out.bytes(bytes, 0, bytes.length);
  }
}

/** A text column: each value as a CSV field (quoted when it needs it); null is an empty cell. */
class TextCells implements CellSource {
  private rows: Uint32Array = new Uint32Array(0);

  constructor(private readonly values: readonly (string | null)[]) {}

  prepare(rows: Uint32Array): void {
    this.rows = rows;
  }

  write(index: number, out: CsvBuffer): void {
    out.text(csvField(this.values[this.rows[index]!] ?? null));
  }
}

/**
 * Writes each cell's text straight into a reused byte buffer and flushes it with plain
 * write calls. Building lines as JS strings made ~25 MB of short-lived string trees per
 * 8k rows, which doubled the peak memory at a million rows; this leaves only the number
 * texts themselves, which die young.
 */
class CsvBuffer {
  private readonly buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  constructor(private readonly fd: number) {}

  /** Bytes `start … end` of `source`. */
  bytes(source: Buffer, start: number, end: number): this {
    const length = end - start;
    if (this.used + length > this.buffer.length) {
      this.flush();
      if (length > this.buffer.length) {
        writeSync(this.fd, source, start, length);
        return this;
      }
    }
    const buffer = this.buffer;
    let used = this.used;
    for (let at = start; at < end; at++) buffer[used++] = source[at]!;
    this.used = used;
    return this;
  }

  /** Any text, UTF-8 encoded. */
  text(text: string): this {
    const worst = text.length * 3;
    if (this.used + worst > this.buffer.length) {
      this.flush();
      if (worst > this.buffer.length) {
        writeSync(this.fd, text);
        return this;
      }
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
    return this;
  }

  comma(): this {
    if (this.used + 1 > this.buffer.length) this.flush();
    this.buffer[this.used++] = 44;
    return this;
  }

  newline(): this {
    if (this.used + 1 > this.buffer.length) this.flush();
    this.buffer[this.used++] = 10;
    return this;
  }

  flush(): void {
    let offset = 0;
    while (offset < this.used) offset += writeSync(this.fd, this.buffer, offset, this.used - offset);
    this.used = 0;
  }
}

function writeCsv(path: string, header: string, rows: Uint32Array, cells: readonly CellSource[]): void {
  const fd = openSync(path, 'w');
  try {
    const out = new CsvBuffer(fd);
    out.text(header);
    const last = cells.length - 1;
    for (let from = 0; from < rows.length; from += BATCH_ROWS) {
      const batch = rows.subarray(from, Math.min(rows.length, from + BATCH_ROWS));
      for (const source of cells) source.prepare(batch);
      for (let index = 0; index < batch.length; index++) {
        for (let c = 0; c < last; c++) {
          cells[c]!.write(index, out);
          out.comma();
        }
        cells[last]!.write(index, out);
        out.newline();
      }
    }
    out.flush();
  } finally {
    closeSync(fd);
  }
}
