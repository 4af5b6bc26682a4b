import { DataError, type Table } from '@reproml/core';
import { columnFromValues } from './column-from-values';
import type { ColumnKind } from './column-kinds';

export interface ReadJsonRecordsParams {
  text: string;
  /** `json`: one array of records; `jsonl`: one record per line. */
  layout: 'json' | 'jsonl';
  /** Workspace-relative path (or URL) of the file, for messages. */
  file: string;
  columnKinds?: Readonly<Record<string, ColumnKind>>;
}

/**
 * Reads JSON records into a Table. Columns appear in the order their keys first appear;
 * a key missing from a record is a missing value.
 */
export function readJsonRecords(params: ReadJsonRecordsParams): Table {
  const collector = new RecordCollector(params.file);
  if (params.layout === 'json') readArray(params, collector);
  else readLines(params, collector);
  const columns = collector.names.map((name, index) =>
    columnFromValues({ name, values: collector.values[index]!, forced: params.columnKinds?.[name], file: params.file }),
  );
  return { columns, rowCount: collector.rowCount };
}

function readArray(params: ReadJsonRecordsParams, collector: RecordCollector): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(params.text);
  } catch (error) {
    throw new DataError(`${params.file} is not valid JSON: ${(error as Error).message}`, {
      file: params.file,
      hint: 'Fix the JSON; a file with one record per line is JSONL: set "format": "jsonl".',
      cause: error,
    });
  }
  if (!Array.isArray(parsed)) {
    throw new DataError(`${params.file} should hold a JSON array of records, found ${typeof parsed}`, {
      file: params.file,
      hint: 'Use an array of objects ([{"a": 1}, …]); column-oriented JSON is not supported.',
    });
  }
  for (const [index, record] of parsed.entries()) collector.add(record, `record ${index + 1}`);
}

function readLines(params: ReadJsonRecordsParams, collector: RecordCollector): void {
  const { text, file } = params;
  let line = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line++;
    const content = text.slice(start, text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
    if (content.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(content);
    } catch (error) {
      throw new DataError(`${file}: line ${line} is not valid JSON: ${(error as Error).message}`, {
        file,
        hint: 'Each line of a JSONL file holds one complete JSON object.',
        cause: error,
      });
    }
    collector.add(record, `line ${line}`);
  }
}

class RecordCollector {
  readonly names: string[] = [];
  readonly values: unknown[][] = [];
  rowCount = 0;
  private readonly index = new Map<string, number>();

  constructor(private readonly file: string) {}

  add(record: unknown, where: string): void {
    if (!record || typeof record !== 'object' || Array.isArray(record)) {
      throw new DataError(`${this.file}: ${where} is not an object`, {
        file: this.file,
        hint: 'Every record should be a JSON object mapping column names to values.',
      });
    }
    for (const [name, value] of Object.entries(record)) {
      let column = this.index.get(name);
      if (column === undefined) {
        column = this.names.length;
        this.index.set(name, column);
        this.names.push(name);
        this.values.push(new Array(this.rowCount).fill(null));
      }
      this.values[column]!.push(value);
    }
    this.rowCount++;
    for (const column of this.values) if (column.length < this.rowCount) column.push(null);
  }
}
