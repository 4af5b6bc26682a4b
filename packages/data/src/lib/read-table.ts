import { readFile } from 'node:fs/promises';
import { DataError, StageIOError, type Table } from '@reproml/core';
import { type ColumnKind, DEFAULT_MISSING_VALUES } from './column-kinds';
import { decodeText, type TextEncoding, utf8TableBytes } from './decode-text';
import { openBytes, openFile, type ReadDelimitedParams, readDelimited } from './delimited-table';
import type { DatasetFormat } from './pull-stage-config';
import { readJsonRecords } from './read-json-records';
import { readParquet } from './read-parquet';

export interface ParseTableParams {
  bytes: Uint8Array;
  format: DatasetFormat;
  /** Text encoding of csv/tsv/json/jsonl files. Default: utf-8 (Parquet strings are always UTF-8). */
  encoding?: TextEncoding;
  /** Columns whose kind is forced instead of inferred (e.g. zip codes as strings). */
  columnKinds?: Readonly<Record<string, ColumnKind>>;
  /** csv/tsv cell texts that mean "missing". Default: DEFAULT_MISSING_VALUES. */
  missingValues?: readonly string[];
  /** Workspace-relative path (or URL) of the file, for messages. */
  file: string;
}

export interface ReadTableParams extends Omit<ParseTableParams, 'bytes' | 'file'> {
  /** Absolute path of the file to read. */
  path: string;
  /** Name of the file in messages. Default: `path`. */
  file?: string;
}

/**
 * Reads a data file into the columnar Table every stage uses. Column order is the file's
 * (header order, first appearance of a key, or the Parquet schema); row order is the file's.
 * A column whose every present value is a number becomes a number column (NaN = missing),
 * anything else a string column (null = missing), unless `columnKinds` says otherwise.
 */
export async function readTable(params: ReadTableParams): Promise<Table> {
  const file = params.file ?? params.path;
  if ((params.format === 'csv' || params.format === 'tsv') && (params.encoding ?? 'utf-8') === 'utf-8') {
    // Streamed from disk a chunk at a time: the file is never held whole (no 2 GiB limit).
    return readDelimited({ ...delimitedOptions(params, file), open: openFile(params.path, file) });
  }
  const bytes = await readTableBytes(params.path, file);
  const { path: _path, ...rest } = params;
  return parseTable({ ...rest, bytes, file });
}

/** The bytes of a data file, or an error that names it (`file`) and says what to do. */
export async function readTableBytes(path: string, file: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_FS_FILE_TOO_LARGE') throw tooLargeError(file, error);
    throw new StageIOError(`Cannot read ${file}: ${(error as Error).message}`, {
      file,
      hint: 'Check that the file exists and is readable (an upstream stage may not have run).',
      cause: error,
    });
  }
}

/** Node reads a file into one buffer of at most 2 GiB; its own message names no file. */
function tooLargeError(file: string, cause: unknown): DataError {
  return new DataError(`${file} is larger than 2 GiB, more than a table can be read into memory at once`, {
    file,
    cause,
    hint: 'Split the file into parts (one pull file each), or convert it to Parquet, whose compressed columns are far smaller.',
  });
}

/** `readTable` for bytes already in memory. */
export async function parseTable(params: ParseTableParams): Promise<Table> {
  const { bytes, format, file, columnKinds } = params;
  const encoding = params.encoding ?? 'utf-8';
  if (format === 'parquet') {
    if (encoding !== 'utf-8') {
      throw new DataError(`${file}: Parquet text is always UTF-8, so encoding '${encoding}' cannot apply`, {
        file,
        hint: 'Remove "encoding" for Parquet files.',
      });
    }
    return readParquet({ bytes, file, columnKinds });
  }
  if (format === 'json' || format === 'jsonl') return readJsonRecords({ text: decodeText({ bytes, encoding, file }), layout: format, file, columnKinds });
  const options = delimitedOptions(params, file);
  return readDelimited({ ...options, open: openBytes(utf8TableBytes({ bytes, encoding, file, delimiter: options.delimiter }), file) });
}

function delimitedOptions(params: Omit<ParseTableParams, 'bytes' | 'file'>, file: string): Omit<ReadDelimitedParams, 'open'> {
  return {
    delimiter: params.format === 'tsv' ? '\t' : ',',
    file,
    missingValues: params.missingValues ?? DEFAULT_MISSING_VALUES,
    columnKinds: params.columnKinds,
  };
}
