import { isUtf8 } from 'node:buffer';
import { type FileHandle, open } from 'node:fs/promises';
import { type Column, DataError, StageIOError, type Table } from '@reproml/core';
import { columnFromValues } from './column-from-values';
import { type ColumnKind, DEFAULT_MISSING_VALUES } from './column-kinds';
import { firstInvalidUtf8Offset, invalidUtf8Error } from './decode-text';
import { type DelimitedCells, MissingMatcher, readNumberCells, readStringCells } from './delimited-columns';
import { DelimitedScanner, RowCells } from './delimited-scanner';
import { MAX_FIELD_LENGTH } from './max-field-length';
import { StringInterner } from './string-interner';
import type { DatasetFormat } from './pull-stage-config';
import { parquetColumnNames, readParquetBatches } from './read-parquet-batches';
import { readTable } from './read-table';

export interface StreamTableBatchesParams {
  path: string;
  /** Name of the file in messages. */
  file: string;
  format: DatasetFormat;
  /** The columns to keep and their kinds; other columns are skipped (memory). */
  columns: Readonly<Record<string, ColumnKind>>;
  batchSize: number;
  /** csv/tsv cell texts that mean "missing". Default: DEFAULT_MISSING_VALUES. */
  missingValues?: readonly string[];
  /**
   * Called once with the file's column names (CSV/TSV header, keys of the first JSONL record,
   * Parquet schema) before any batch: a caller checks them before rows are read.
   */
  onColumns?: (names: readonly string[]) => void;
}

/** Bytes read from disk at a time. */
const CHUNK_BYTES = 1 << 20;

/** A JSONL line (one record, many fields) may be longer than one field, but not without bound. */
export const MAX_RECORD_LENGTH = 64 * MAX_FIELD_LENGTH;

/**
 * A data file as a stream of tables of at most `batchSize` rows, with the same rules as
 * `readTable`: CSV/TSV go through the one DelimitedScanner and JSONL lines through the JSON
 * readers' column conversion, a chunk of bytes at a time (memory: one batch and one chunk);
 * Parquet is read a row group at a time (only the wanted columns); a JSON array is read whole
 * and sliced (its layout does not stream). Text is strict UTF-8.
 */
export async function* streamTableBatches(params: StreamTableBatchesParams): AsyncGenerator<Table> {
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
    if (params.format === 'jsonl') yield* jsonlBatches(reader, params);
    else yield* delimitedBatches(reader, params, params.format === 'tsv' ? '\t' : ',');
  } finally {
    await reader.close();
  }
}

/**
 * The file's bytes in one growing window: `bytes[start, end)` is read and not yet consumed,
 * `bytes[start, valid)` is checked UTF-8 (a character cut at `valid` waits for the next read).
 */
class ChunkReader {
  bytes = Buffer.allocUnsafe(2 * CHUNK_BYTES);
  start = 0;
  end = 0;
  valid = 0;
  eof = false;
  /** File offset of `bytes[0]`. */
  private fileOffset = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly file: string,
  ) {}

  static async open(params: { path: string; file: string }): Promise<ChunkReader> {
    try {
      return new ChunkReader(await open(params.path, 'r'), params.file);
    } catch (error) {
      throw readError(params.file, error);
    }
  }

  /** Offset (in the window) of the first invalid UTF-8 byte read, or -1: `valid` stops there, so the bytes before it can still be scanned. */
  invalid = -1;

  /** Reads the next chunk after the unconsumed bytes (moved to the front first) and checks it. */
  async fill(): Promise<void> {
    if (this.start > 0) {
      this.bytes.copy(this.bytes, 0, this.start, this.end);
      this.fileOffset += this.start;
      this.valid -= this.start;
      this.end -= this.start;
      this.start = 0;
    }
    if (this.bytes.length - this.end < CHUNK_BYTES) {
      const bigger = Buffer.allocUnsafe(2 * this.bytes.length);
      this.bytes.copy(bigger, 0, 0, this.end);
      this.bytes = bigger;
    }
    let read: number;
    try {
      ({ bytesRead: read } = await this.handle.read(this.bytes, this.end, CHUNK_BYTES, null));
    } catch (error) {
      throw readError(this.file, error);
    }
    this.end += read;
    if (read === 0) this.eof = true;
    const checkedEnd = this.eof ? this.end : completeUtf8End(this.bytes, this.valid, this.end);
    const span = this.bytes.subarray(this.valid, checkedEnd);
    if (isUtf8(span)) this.valid = checkedEnd;
    else {
      this.invalid = this.valid + firstInvalidUtf8Offset(span);
      this.valid = this.invalid;
      this.eof = false;
    }
  }

  fileOffsetOf(position: number): number {
    return this.fileOffset + position;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

function readError(file: string, error: unknown): StageIOError {
  return new StageIOError(`Cannot read ${file}: ${(error as Error).message}`, {
    file,
    hint: 'Check that the file exists and is readable (an upstream stage may not have run).',
    cause: error,
  });
}

/** End of `bytes[from, end)` without a multi-byte character cut off at its end (it continues in the next chunk). */
function completeUtf8End(bytes: Buffer, from: number, end: number): number {
  for (let back = 1; back <= Math.min(3, end - from); back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? end - back : end;
  }
  return end;
}

async function* delimitedBatches(reader: ChunkReader, params: StreamTableBatchesParams, delimiter: ',' | '\t'): AsyncGenerator<Table> {
  const scanner = new DelimitedScanner({ delimiter, file: params.file });
  const missing = new MissingMatcher(params.missingValues ?? DEFAULT_MISSING_VALUES);
  let rows: RowCells | undefined;
  let batch: DelimitedBatch | undefined;
  for (;;) {
    // Only checked bytes are scanned; at the end of the file everything is checked.
    reader.start = scanner.scan(reader.bytes, reader.start, reader.valid, reader.eof, rows);
    if (batch === undefined) {
      if (scanner.header === undefined) {
        if (reader.eof) return;
      } else {
        batch = new DelimitedBatch(wantedColumns(scanner.header, params), params.batchSize);
        rows = new RowCells(scanner.header.length, params.batchSize, false);
        continue;
      }
    } else {
      // Cells point into the window, which the next read moves: turn them into values first.
      batch.absorb({ bytes: reader.bytes, rows: rows!, header: scanner.header!, missing, file: params.file });
      if (batch.rowCount === params.batchSize || (reader.eof && batch.rowCount > 0)) {
        yield batch.take();
        rows!.capacity = params.batchSize;
        continue;
      }
      rows!.capacity = params.batchSize - batch.rowCount;
      if (reader.eof) return;
    }
    if (reader.invalid !== -1) throw invalidDelimitedUtf8(reader, scanner, reader.invalid, delimiter, params.file);
    await reader.fill();
  }
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

  constructor(
    private readonly wanted: readonly WantedColumn[],
    private readonly batchSize: number,
  ) {
    this.interners = wanted.map(() => new StringInterner());
    this.reset();
  }

  absorb(cells: DelimitedCells): void {
    for (const [position, column] of this.wanted.entries()) {
      if (column.kind === 'string') readStringCells(cells, column.index, this.strings[position]!, this.rowCount, this.interners[position]);
      else readNumberCells(cells, column.index, this.numbers[position]!, this.rowCount, true);
    }
    this.rowCount += cells.rows.rowCount;
    cells.rows.rowCount = 0;
  }

  take(): Table {
    const rowCount = this.rowCount;
    const trim = rowCount < this.batchSize;
    const columns = this.wanted.map(({ name, kind }, position): Column => {
      if (kind === 'string') return { name, kind, values: trim ? this.strings[position]!.slice(0, rowCount) : this.strings[position]! };
      return { name, kind, values: trim ? this.numbers[position]!.slice(0, rowCount) : this.numbers[position]! };
    });
    this.reset();
    return { columns, rowCount };
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
  const absent = Object.keys(params.columns).filter((name) => !header.includes(name));
  if (absent.length > 0) {
    throw new DataError(`${params.file} has no column ${absent.map((name) => `'${name}'`).join(', ')}`, {
      file: params.file,
      field: absent[0]!,
      hint: `Its columns are: ${header.join(', ')}.`,
    });
  }
  return Object.entries(params.columns).map(([name, kind]) => ({ name, index: header.indexOf(name), kind }));
}

/** Invalid UTF-8 at `offset` of the window: named with its line and column, counted from the first unscanned record. */
function invalidDelimitedUtf8(reader: ChunkReader, scanner: DelimitedScanner, offset: number, delimiter: string, file: string): DataError {
  const code = delimiter.charCodeAt(0);
  let line = scanner.line;
  let field = 0;
  let inQuotes = false;
  for (let i = reader.start; i < offset; i++) {
    const byte = reader.bytes[i]!;
    if (byte === 0x22) inQuotes = !inQuotes;
    else if (byte === 0x0a) {
      line++;
      if (!inQuotes) field = 0;
    } else if (byte === code && !inQuotes) field++;
  }
  const column = scanner.header?.[field] ?? `column ${field + 1}`;
  return invalidUtf8Error({ file, offset: reader.fileOffsetOf(offset), line, column });
}

async function* jsonlBatches(reader: ChunkReader, params: StreamTableBatchesParams): AsyncGenerator<Table> {
  const names = Object.keys(params.columns);
  let values = names.map(() => new Array<unknown>(params.batchSize));
  let lines = new Int32Array(params.batchSize);
  let rows = 0;
  let line = 0;
  let atFileStart = true;
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
  for (;;) {
    const { bytes } = reader;
    if (atFileStart && (reader.valid - reader.start >= 3 || reader.eof)) {
      if (bytes[reader.start] === 0xef && bytes[reader.start + 1] === 0xbb && bytes[reader.start + 2] === 0xbf) reader.start += 3;
      atFileStart = false;
    }
    while (!atFileStart && reader.start < reader.valid) {
      let end = bytes.indexOf(0x0a, reader.start);
      if (end === -1 || end >= reader.valid) {
        if (!reader.eof) break;
        end = reader.valid;
      }
      line++;
      const record = parseJsonLine(bytes, reader.start, end, line, params.file);
      reader.start = Math.min(end + 1, reader.valid);
      if (record === undefined) continue;
      if (!columnsSeen) {
        params.onColumns!(Object.keys(record));
        columnsSeen = true;
      }
      for (let index = 0; index < names.length; index++) values[index]![rows] = record[names[index]!];
      lines[rows++] = line;
      if (rows === params.batchSize) yield flush();
    }
    if (reader.eof) {
      if (!columnsSeen) params.onColumns!([]);
      if (rows > 0) yield flush();
      return;
    }
    if (reader.valid - reader.start > MAX_RECORD_LENGTH) {
      throw new DataError(`${params.file}: line ${line + 1} is over ${MAX_RECORD_LENGTH.toLocaleString('en-US')} bytes long with no line end`, {
        file: params.file,
        hint: 'A JSONL file holds one record per line; check that the file is JSONL and not one large JSON document.',
      });
    }
    if (reader.invalid !== -1) {
      let at = line + 1;
      for (let i = reader.start; i < reader.invalid; i++) if (reader.bytes[i] === 0x0a) at++;
      throw invalidUtf8Error({ file: params.file, offset: reader.fileOffsetOf(reader.invalid), line: at });
    }
    await reader.fill();
  }
}

/** One JSONL line as a record; undefined for a blank line. */
function parseJsonLine(bytes: Buffer, start: number, end: number, line: number, file: string): Record<string, unknown> | undefined {
  const text = bytes.toString('utf8', start, end > start && bytes[end - 1] === 0x0d ? end - 1 : end);
  if (text.trim() === '') return undefined;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    throw new DataError(`${file}: line ${line} is not valid JSON: ${(error as Error).message}`, {
      file,
      hint: 'Each line of a JSONL file holds one complete JSON object.',
      cause: error,
    });
  }
  if (!record || typeof record !== 'object' || Array.isArray(record)) {
    throw new DataError(`${file}: line ${line} is not an object`, { file, hint: 'Every record should be a JSON object mapping column names to values.' });
  }
  return record as Record<string, unknown>;
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
