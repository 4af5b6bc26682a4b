import { closeSync, openSync, writeSync } from 'node:fs';
import type { Column } from '@reproml/core';
import type { FeatureBlock } from './apply-transform';
import { csvField, csvLine, formatNumber } from './csv-text';

export interface WriteFeaturesCsvParams {
  path: string;
  blocks: readonly FeatureBlock[];
  /** Class id or target value per table row. */
  labels: Float64Array;
  /** Table rows of this split, in the order they are written. */
  rows: Uint32Array;
}

/** `<split>.features.csv`: the feature names then `label`; one line per row of the split. */
export async function writeFeaturesCsv(params: WriteFeaturesCsvParams): Promise<void> {
  const { blocks, labels, rows } = params;
  // One-hot groups are written from their codes: precomputed "0,1,0," texts per code.
  const cells = blocks.map((block): ((row: number, out: CsvBuffer) => void) => {
    if (block.kind === 'dense') {
      const values = block.values;
      return (row, out) => out.ascii(formatNumber(values[row]!)).comma();
    }
    const width = block.names.length;
    const zeros = `${new Array<string>(width).fill('0').join(',')},`;
    const byCode = Array.from({ length: width }, (_, code) => `${Array.from({ length: width }, (_, i) => (i === code ? '1' : '0')).join(',')},`);
    const codes = block.codes;
    return (row, out) => out.ascii(codes[row]! < 0 ? zeros : byCode[codes[row]!]!);
  });
  writeCsv(params.path, csvLine([...blocks.flatMap((block) => block.names), 'label']), rows, (row, out) => {
    for (const cell of cells) cell(row, out);
    out.ascii(formatNumber(labels[row]!)).newline();
  });
}

export interface WriteRawCsvParams {
  path: string;
  /** The raw input columns then the target column, values as read (after casts and custom transforms). */
  columns: readonly Column[];
  rows: Uint32Array;
}

/** `<split>.raw.csv`: the same rows before imputation, encoding and scaling; missing values are empty cells. */
export async function writeRawCsv(params: WriteRawCsvParams): Promise<void> {
  const cells = params.columns.map((column): ((row: number, out: CsvBuffer) => void) => {
    if (column.kind === 'number') {
      const values = column.values;
      return (row, out) => void out.ascii(formatNumber(values[row]!));
    }
    const values = column.values;
    return (row, out) => void out.text(csvField(values[row] ?? null));
  });
  const last = cells.length - 1;
  writeCsv(params.path, csvLine(params.columns.map((column) => column.name)), params.rows, (row, out) => {
    for (let c = 0; c < last; c++) {
      cells[c]!(row, out);
      out.comma();
    }
    cells[last]!(row, out);
    out.newline();
  });
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

  /** ASCII-only text (numbers, precomputed one-hot cells). */
  ascii(text: string): this {
    if (this.used + text.length > this.buffer.length) {
      this.flush();
      if (text.length > this.buffer.length) {
        writeSync(this.fd, text);
        return this;
      }
    }
    this.used += this.buffer.write(text, this.used, 'latin1');
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

function writeCsv(path: string, header: string, rows: Uint32Array, writeRow: (row: number, out: CsvBuffer) => void): void {
  const fd = openSync(path, 'w');
  try {
    const out = new CsvBuffer(fd);
    out.text(header);
    for (let i = 0; i < rows.length; i++) writeRow(rows[i]!, out);
    out.flush();
  } finally {
    closeSync(fd);
  }
}
