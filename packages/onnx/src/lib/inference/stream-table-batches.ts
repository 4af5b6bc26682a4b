import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { type Column, DataError, StageIOError, type Table } from '@reproml/core';
import {
  type DatasetFormat,
  DEFAULT_MISSING_VALUES,
  fieldTooLongError,
  firstInvalidUtf8Offset,
  infiniteNumberError,
  MAX_FIELD_LENGTH,
  readParquetBatches,
  readTable,
} from '@reproml/data';

export interface StreamTableBatchesParams {
  path: string;
  /** Name of the file in messages. */
  file: string;
  format: DatasetFormat;
  /** The columns to keep and their kinds; other columns are skipped (memory). */
  columns: Readonly<Record<string, 'number' | 'string'>>;
  batchSize: number;
  missingValues?: readonly string[];
}

/**
 * Reads a data file as a stream of tables of at most `batchSize` rows: CSV/TSV (RFC 4180
 * quoting) and JSONL are parsed as they stream, holding one batch in memory; Parquet is read
 * one row group at a time (only the wanted columns); a JSON array is read whole and sliced
 * (its layout does not stream).
 */
export async function* streamTableBatches(params: StreamTableBatchesParams): AsyncGenerator<Table> {
  if (params.format === 'parquet') {
    for await (const group of readParquetBatches({ path: params.path, file: params.file, columns: params.columns })) yield* sliceTable(group, params);
    return;
  }
  if (params.format === 'json') {
    yield* sliceTable(await readTable({ path: params.path, file: params.file, format: params.format, columnKinds: params.columns }), params);
    return;
  }
  const missing = new Set(params.missingValues ?? DEFAULT_MISSING_VALUES);
  const batch = new BatchBuilder(params, missing);
  const records = params.format === 'jsonl' ? jsonlRecords(params) : delimitedRecords(params, params.format === 'tsv' ? '\t' : ',');
  for await (const record of records) {
    batch.add(record);
    if (batch.rows === params.batchSize) yield batch.flush();
  }
  if (batch.rows > 0) yield batch.flush();
}

type RawRecord = { line: number; get(name: string): unknown };

class BatchBuilder {
  rows = 0;
  private numbers = new Map<string, Float64Array>();
  private strings = new Map<string, (string | null)[]>();
  private readonly entries: [string, 'number' | 'string'][];

  constructor(
    private readonly params: StreamTableBatchesParams,
    private readonly missing: Set<string>,
  ) {
    this.entries = Object.entries(params.columns);
    this.reset();
  }

  add(record: RawRecord): void {
    for (const [name, kind] of this.entries) {
      const raw = record.get(name);
      if (typeof raw === 'string' && raw.length > MAX_FIELD_LENGTH) {
        throw fieldTooLongError({ file: this.params.file, column: name, where: `line ${record.line}`, length: raw.length });
      }
      if (kind === 'string') {
        this.strings.get(name)![this.rows] = raw === null || raw === undefined || (typeof raw === 'string' && this.missing.has(raw)) ? null : String(raw);
        continue;
      }
      let value: number;
      if (raw === null || raw === undefined || (typeof raw === 'string' && this.missing.has(raw.trim()))) value = NaN;
      else if (typeof raw === 'number') {
        if (raw === Infinity || raw === -Infinity)
          throw infiniteNumberError({ file: this.params.file, column: name, where: `line ${record.line}`, text: String(raw) });
        value = raw;
      } else {
        value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
        if (value === Infinity || value === -Infinity) {
          throw infiniteNumberError({ file: this.params.file, column: name, where: `line ${record.line}`, text: String(raw) });
        }
        if (Number.isNaN(value)) {
          throw new DataError(`${this.params.file} line ${record.line}: column '${name}' should be a number, got ${JSON.stringify(raw)}`, {
            file: this.params.file,
            field: name,
            hint: `Fix the value or add it to the missing markers (${[...this.missing].filter(Boolean).join(', ')}).`,
          });
        }
      }
      this.numbers.get(name)![this.rows] = value;
    }
    this.rows++;
  }

  flush(): Table {
    const rows = this.rows;
    const columns: Column[] = Object.entries(this.params.columns).map(([name, kind]) =>
      kind === 'number' ? { name, kind, values: this.numbers.get(name)!.slice(0, rows) } : { name, kind, values: this.strings.get(name)!.slice(0, rows) },
    );
    this.reset();
    return { columns, rowCount: rows };
  }

  private reset(): void {
    this.rows = 0;
    for (const [name, kind] of Object.entries(this.params.columns)) {
      if (kind === 'number') this.numbers.set(name, new Float64Array(this.params.batchSize));
      else this.strings.set(name, new Array<string | null>(this.params.batchSize));
    }
  }
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

/** A JSONL line (one record, many fields) may be longer than one field, but not without bound. */
const MAX_RECORD_LENGTH = 64 * MAX_FIELD_LENGTH;

/** Thrown by `textChunks` after it yielded the valid text before the first invalid UTF-8 byte. */
class InvalidUtf8 extends Error {
  constructor(readonly offset: number) {
    super(`invalid UTF-8 at byte ${offset}`);
  }
}

/**
 * The file as UTF-8 text chunks, decoded strictly: a silently replaced byte (U+FFFD) would
 * change a category. On an invalid byte the valid text before it is yielded first, so the
 * parser knows the line and column it stopped in, and then `InvalidUtf8` is thrown.
 */
async function* textChunks(params: StreamTableBatchesParams): AsyncGenerator<string> {
  const stream = createReadStream(params.path, { highWaterMark: 1 << 20 });
  let carry: Buffer = Buffer.alloc(0);
  let consumed = 0;
  try {
    for await (const chunk of stream) {
      const bytes = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      const complete = completeUtf8Length(bytes);
      const text = bytes.subarray(0, complete);
      if (!isUtf8(text)) {
        const offset = firstInvalidUtf8Offset(text);
        yield text.toString('utf8', 0, offset);
        throw new InvalidUtf8(consumed + offset);
      }
      yield text.toString('utf8');
      consumed += complete;
      carry = Buffer.from(bytes.subarray(complete));
    }
  } catch (error) {
    if (error instanceof InvalidUtf8) throw error;
    throw new StageIOError(`cannot read ${params.file}: ${(error as Error).message}`, { file: params.file, cause: error });
  }
  if (carry.length) throw new InvalidUtf8(consumed);
}

/** Length of `bytes` without a multi-byte character cut off at its end (it continues in the next chunk). */
function completeUtf8Length(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

function invalidUtf8Error(params: { file: string; offset: number; line: number; column?: string }): DataError {
  const column = params.column === undefined ? '' : `, column '${params.column}'`;
  return new DataError(`${params.file} is not valid UTF-8 (first invalid byte at offset ${params.offset}, line ${params.line}${column})`, {
    file: params.file,
    ...(params.column === undefined ? {} : { field: params.column }),
    hint: 'Re-save the file as UTF-8.',
  });
}

async function* jsonlRecords(params: StreamTableBatchesParams): AsyncGenerator<RawRecord> {
  let pending = '';
  let line = 0;
  const parse = (text: string): RawRecord | undefined => {
    line++;
    if (text.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DataError(`${params.file} line ${line} is not valid JSON: ${(error as Error).message}`, { file: params.file });
    }
    const object = (value ?? {}) as Record<string, unknown>;
    return { line, get: (name) => object[name] };
  };
  const chunks = textChunks(params);
  for await (const chunk of withInvalidUtf8(chunks, (offset) => invalidUtf8Error({ file: params.file, offset, line: line + 1 + count(pending, '\n') }))) {
    pending += chunk;
    if (pending.length > MAX_RECORD_LENGTH && pending.indexOf('\n') === -1) {
      throw new DataError(`${params.file}: line ${line + 1} is over ${MAX_RECORD_LENGTH.toLocaleString('en-US')} characters long with no line end`, {
        file: params.file,
        hint: 'A JSONL file holds one record per line; check that the file is JSONL and not one large JSON document.',
      });
    }
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const record = parse(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      if (record) yield record;
    }
  }
  const last = parse(pending);
  if (last) yield last;
}

/** RFC 4180 records from a stream of text chunks: quoted fields may hold delimiters, quotes ("") and newlines. */
async function* delimitedRecords(params: StreamTableBatchesParams, delimiter: string): AsyncGenerator<RawRecord> {
  let header: Map<string, number> | undefined;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quoteSeen = false;
  let line = 1;
  let recordLine = 1;
  const delimiterCode = delimiter.charCodeAt(0);
  const toRecord = (values: string[]): RawRecord | undefined => {
    if (!header) {
      header = new Map(values.map((name, index) => [name.replace(/^\uFEFF/, ''), index]));
      const missing = Object.keys(params.columns).filter((name) => !header!.has(name));
      if (missing.length > 0) {
        throw new DataError(`${params.file} has no column ${missing.map((name) => `'${name}'`).join(', ')}`, {
          file: params.file,
          hint: `Its columns are: ${[...header.keys()].join(', ')}.`,
        });
      }
      return undefined;
    }
    if (values.length === 1 && values[0] === '') return undefined;
    const row = values;
    const at = recordLine;
    return { line: at, get: (name) => row[header!.get(name)!] ?? null };
  };
  const headerName = (index: number) => (header ? ([...header.entries()].find(([, at]) => at === index)?.[0] ?? `column ${index + 1}`) : `column ${index + 1}`);
  const tooLong = (length: number) => fieldTooLongError({ file: params.file, column: headerName(fields.length), where: `line ${recordLine}`, length });
  const chunks = withInvalidUtf8(textChunks(params), (offset) => invalidUtf8Error({ file: params.file, offset, line, column: headerName(fields.length) }));
  for await (const chunk of chunks) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const code = chunk.charCodeAt(i);
      if (inQuotes) {
        if (code === 34) {
          if (quoteSeen) {
            quoteSeen = false;
          } else {
            field += chunk.slice(start, i);
            start = i + 1;
            quoteSeen = true;
            continue;
          }
        } else if (quoteSeen) {
          // The quote closed the field; this character is processed as unquoted below.
          inQuotes = false;
          quoteSeen = false;
        } else {
          if (code === 10) line++;
          continue;
        }
        if (inQuotes) continue;
      }
      if (code === 34 && field === '' && i === start) {
        inQuotes = true;
        start = i + 1;
      } else if (code === delimiterCode) {
        if (field.length + i - start > MAX_FIELD_LENGTH) throw tooLong(field.length + i - start);
        fields.push(field + chunk.slice(start, i));
        field = '';
        start = i + 1;
      } else if (code === 10) {
        if (field.length + i - start > MAX_FIELD_LENGTH) throw tooLong(field.length + i - start);
        const value = field + chunk.slice(start, i);
        fields.push(value.endsWith('\r') ? value.slice(0, -1) : value);
        field = '';
        start = i + 1;
        const record = toRecord(fields);
        fields = [];
        line++;
        recordLine = line;
        if (record) yield record;
      }
    }
    field += chunk.slice(start);
    if (field.length > MAX_FIELD_LENGTH) throw tooLong(field.length);
  }
  if (inQuotes && !quoteSeen) throw new DataError(`${params.file}: a quoted field opened on line ${recordLine} is never closed`, { file: params.file });
  if (field !== '' || fields.length > 0) {
    fields.push(field.replace(/\r$/, ''));
    const record = toRecord(fields);
    if (record) yield record;
  }
}

/** Turns `textChunks`' InvalidUtf8 into the parser's own error (it knows the line and column). */
async function* withInvalidUtf8(chunks: AsyncGenerator<string>, describe: (offset: number) => DataError): AsyncGenerator<string> {
  try {
    yield* chunks;
  } catch (error) {
    if (error instanceof InvalidUtf8) throw describe(error.offset);
    throw error;
  }
}

function count(text: string, char: string): number {
  let n = 0;
  for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) n++;
  return n;
}
