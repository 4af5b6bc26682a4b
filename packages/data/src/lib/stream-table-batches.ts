import { type Column, DataError, type Table } from '@reproml/core';
import { ChunkReader } from './chunk-reader';
import { columnFromValues } from './column-from-values';
import { type ColumnKind, DEFAULT_MISSING_VALUES } from './column-kinds';
import { type DelimitedCells, MissingMatcher, readNumberCells, readStringCells, readTextCells } from './delimited-columns';
import { delimitedWindows } from './delimited-windows';
import { jsonlRecords } from './jsonl-records';
import type { DatasetFormat } from './pull-stage-config';
import { parquetColumnNames, readParquetBatches } from './read-parquet-batches';
import { readTable } from './read-table';
import { StringInterner } from './string-interner';
import { type TextColumn, TextColumnBuilder, textColumnFromStrings } from './text-column';

export interface StreamTableBatchesParams {
  path: string;
  /** Name of the file in messages. */
  file: string;
  format: DatasetFormat;
  /** The columns to keep and their kinds; other columns are skipped (memory). */
  columns: Readonly<Record<string, ColumnKind>>;
  /**
   * Columns to keep as undecoded text (`TableBatch.texts`, in this order) rather than as
   * values: a column copied through unchanged (the predict key) costs no string per cell.
   * Not also in `columns`.
   */
  texts?: readonly string[];
  batchSize: number;
  /** csv/tsv cell texts that mean "missing". Default: DEFAULT_MISSING_VALUES. */
  missingValues?: readonly string[];
  /**
   * Called once with the file's column names (CSV/TSV header, keys of the first JSONL record,
   * Parquet schema) before any batch: a caller checks them before rows are read.
   */
  onColumns?: (names: readonly string[]) => void;
}

/** A batch of rows: the wanted columns' values, and the text columns' cells as undecoded text. */
export interface TableBatch extends Table {
  texts: TextColumn[];
}

/**
 * A data file as a stream of tables of at most `batchSize` rows, with the same rules as
 * `readTable`: CSV/TSV go through the one DelimitedScanner and JSONL lines through the JSON
 * readers' column conversion, a chunk of bytes at a time (memory: one batch and one chunk);
 * Parquet is read a row group at a time (only the wanted columns); a JSON array is read whole
 * and sliced (its layout does not stream). Text is strict UTF-8.
 */
export async function* streamTableBatches(params: StreamTableBatchesParams): AsyncGenerator<TableBatch> {
  const texts = params.texts ?? [];
  const both = texts.filter((name) => params.columns[name] !== undefined);
  if (both.length > 0) throw new Error(`streamTableBatches: ${both.join(', ')} asked for as values and as text`);
  if (params.format === 'csv' || params.format === 'tsv') {
    const reader = await ChunkReader.open(params);
    try {
      yield* delimitedBatches(reader, params, params.format === 'tsv' ? '\t' : ',');
    } finally {
      await reader.close();
    }
    return;
  }
  // The other readers decode every cell: text columns are read as strings, then encoded.
  const decoded = { ...params, columns: { ...params.columns, ...Object.fromEntries(texts.map((name) => [name, 'string' as const])) } };
  for await (const table of decodedBatches(decoded)) yield withTexts(table, texts);
}

async function* decodedBatches(params: StreamTableBatchesParams): AsyncGenerator<Table> {
  if (params.format === 'parquet') {
    params.onColumns?.(await parquetColumnNames({ path: params.path, file: params.file }));
    for await (const group of readParquetBatches({ path: params.path, file: params.file, columns: params.columns })) yield* sliceTable(group, params);
    return;
  }
  if (params.format === 'json') {
    const table = await readTable({ path: params.path, file: params.file, format: 'json', columnKinds: params.columns });
    params.onColumns?.(table.columns.map((column) => column.name));
    yield* sliceTable(table, params);
    return;
  }
  const reader = await ChunkReader.open(params);
  try {
    yield* jsonlBatches(reader, params);
  } finally {
    await reader.close();
  }
}

/** A decoded table with its `texts` columns moved out of `columns` and encoded. */
function withTexts(table: Table, texts: readonly string[]): TableBatch {
  const columns = table.columns.filter((column) => !texts.includes(column.name));
  return {
    rowCount: table.rowCount,
    columns,
    texts: texts.map((name) => {
      const column = table.columns.find((candidate) => candidate.name === name);
      if (column?.kind !== 'string') throw new Error(`streamTableBatches: text column ${name} was not read as text`);
      return textColumnFromStrings(column);
    }),
  };
}

async function* delimitedBatches(reader: ChunkReader, params: StreamTableBatchesParams, delimiter: ',' | '\t'): AsyncGenerator<TableBatch> {
  const missing = new MissingMatcher(params.missingValues ?? DEFAULT_MISSING_VALUES);
  let batch: DelimitedBatch | undefined;
  const onHeader = (header: readonly string[]) => {
    const wanted = wantedColumns(header, params);
    const texts = (params.texts ?? []).map((name) => ({ name, index: header.indexOf(name) }));
    batch = new DelimitedBatch(wanted, texts, params.batchSize);
  };
  for await (const cells of delimitedWindows({ reader, delimiter, file: params.file, missing, capacity: params.batchSize, onHeader })) {
    // Cells point into the reader's bytes, which the next read moves: turn them into values first.
    batch!.absorb(cells);
    if (batch!.rowCount === params.batchSize) yield batch!.take();
    cells.rows.capacity = params.batchSize - batch!.rowCount;
  }
  if (batch !== undefined && batch.rowCount > 0) yield batch.take();
}

interface WantedColumn {
  name: string;
  /** Position in the file's header. */
  index: number;
  kind: ColumnKind;
}

/** One batch's columns, filled from successive windows of scanned rows. */
class DelimitedBatch {
  rowCount = 0;
  private numbers: Float64Array[] = [];
  private strings: (string | null)[][] = [];
  /** One per column, kept across batches: a category is decoded once per file. */
  private readonly interners: StringInterner[];
  private readonly texts: TextColumnBuilder[];

  constructor(
    private readonly wanted: readonly WantedColumn[],
    private readonly wantedTexts: readonly { name: string; index: number }[],
    private readonly batchSize: number,
  ) {
    this.interners = wanted.map(() => new StringInterner());
    this.texts = wantedTexts.map(() => new TextColumnBuilder(batchSize));
    this.reset();
  }

  absorb(cells: DelimitedCells): void {
    for (const [position, column] of this.wanted.entries()) {
      if (column.kind === 'string') readStringCells(cells, column.index, this.strings[position]!, this.rowCount, this.interners[position]);
      else readNumberCells(cells, column.index, this.numbers[position]!, this.rowCount);
    }
    for (const [position, column] of this.wantedTexts.entries()) readTextCells(cells, column.index, this.texts[position]!);
    this.rowCount += cells.rows.rowCount;
    cells.rows.rowCount = 0;
  }

  take(): TableBatch {
    const rowCount = this.rowCount;
    const trim = rowCount < this.batchSize;
    const columns = this.wanted.map(({ name, kind }, position): Column => {
      if (kind === 'string') return { name, kind, values: trim ? this.strings[position]!.slice(0, rowCount) : this.strings[position]! };
      return { name, kind, values: trim ? this.numbers[position]!.slice(0, rowCount) : this.numbers[position]! };
    });
    const texts = this.wantedTexts.map(({ name }, position) => this.texts[position]!.take(name));
    this.reset();
    return { columns, rowCount, texts };
  }

  private reset(): void {
    this.rowCount = 0;
    this.numbers = this.wanted.map(({ kind }) => (kind === 'number' ? new Float64Array(this.batchSize) : new Float64Array(0)));
    this.strings = this.wanted.map(({ kind }) => (kind === 'string' ? new Array<string | null>(this.batchSize) : []));
  }
}

/** The wanted columns' positions in the header; a wanted column the file lacks is an error (after `onColumns` had its say). */
function wantedColumns(header: readonly string[], params: StreamTableBatchesParams): WantedColumn[] {
  params.onColumns?.(header);
  const absent = [...Object.keys(params.columns), ...(params.texts ?? [])].filter((name) => !header.includes(name));
  if (absent.length > 0) {
    throw new DataError(`${params.file} has no column ${absent.map((name) => `'${name}'`).join(', ')}`, {
      file: params.file,
      field: absent[0]!,
      hint: `Its columns are: ${header.join(', ')}.`,
    });
  }
  return Object.entries(params.columns).map(([name, kind]) => ({ name, index: header.indexOf(name), kind }));
}

async function* jsonlBatches(reader: ChunkReader, params: StreamTableBatchesParams): AsyncGenerator<Table> {
  const names = Object.keys(params.columns);
  let values = names.map(() => new Array<unknown>(params.batchSize));
  let lines = new Int32Array(params.batchSize);
  let rows = 0;
  let columnsSeen = params.onColumns === undefined;
  const flush = (): Table => {
    const batchLines = lines;
    const columns = names.map((name, index) =>
      columnFromValues({
        name,
        values: rows === params.batchSize ? values[index]! : values[index]!.slice(0, rows),
        forced: params.columns[name],
        file: params.file,
        where: (row) => `line ${batchLines[row]}`,
      }),
    );
    const table = { columns, rowCount: rows };
    values = names.map(() => new Array<unknown>(params.batchSize));
    lines = new Int32Array(params.batchSize);
    rows = 0;
    return table;
  };
  for await (const { record, line } of jsonlRecords(reader, params.file)) {
    if (!columnsSeen) {
      params.onColumns!(Object.keys(record));
      columnsSeen = true;
    }
    for (let index = 0; index < names.length; index++) values[index]![rows] = record[names[index]!];
    lines[rows++] = line;
    if (rows === params.batchSize) yield flush();
  }
  if (!columnsSeen) params.onColumns!([]);
  if (rows > 0) yield flush();
}

function* sliceTable(table: Table, params: StreamTableBatchesParams): Generator<Table> {
  for (let start = 0; start < table.rowCount; start += params.batchSize) {
    const end = Math.min(table.rowCount, start + params.batchSize);
    yield {
      rowCount: end - start,
      columns: table.columns.map((column) =>
        column.kind === 'number' ? { ...column, values: column.values.slice(start, end) } : { ...column, values: column.values.slice(start, end) },
      ),
    };
  }
}
