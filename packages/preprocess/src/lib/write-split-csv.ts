import { open } from 'node:fs/promises';
import type { Column } from '@reproml/core';
import type { FeatureBlock } from './apply-transform';
import { csvField, csvLine, formatNumber } from './csv-text';

/** Rows per written chunk: large enough to amortize the write call, small enough to keep memory flat. */
const CHUNK_ROWS = 8192;

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
  const header = csvLine([...blocks.flatMap((block) => block.names), 'label']);
  // One-hot groups are written from their codes: precomputed ",0,1,0" strings per code.
  const encoders = blocks.map((block) => {
    if (block.kind === 'dense') return (row: number) => formatNumber(block.values[row]!);
    const width = block.names.length;
    const zeros = new Array<string>(width).fill('0').join(',');
    const byCode = Array.from({ length: width }, (_, code) => Array.from({ length: width }, (_, i) => (i === code ? '1' : '0')).join(','));
    return (row: number) => (block.codes[row]! < 0 ? zeros : byCode[block.codes[row]!]!);
  });
  await writeChunks(params.path, header, rows.length, (i) => {
    const row = rows[i]!;
    let line = '';
    for (const encode of encoders) line += `${encode(row)},`;
    return `${line}${formatNumber(labels[row]!)}\n`;
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
  const header = csvLine(params.columns.map((column) => column.name));
  const cells = params.columns.map((column) =>
    column.kind === 'number' ? (row: number) => formatNumber(column.values[row]!) : (row: number) => csvField(column.values[row] ?? null),
  );
  const last = cells.length - 1;
  await writeChunks(params.path, header, params.rows.length, (i) => {
    const row = params.rows[i]!;
    let line = '';
    for (let c = 0; c < last; c++) line += `${cells[c]!(row)},`;
    return `${line}${cells[last]!(row)}\n`;
  });
}

async function writeChunks(path: string, header: string, count: number, line: (i: number) => string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.write(header);
    for (let start = 0; start < count; start += CHUNK_ROWS) {
      const end = Math.min(count, start + CHUNK_ROWS);
      let chunk = '';
      for (let i = start; i < end; i++) chunk += line(i);
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
}
