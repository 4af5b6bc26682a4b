import { DataError, type Table } from '@reproml/core';
import { type AsyncBuffer, type ColumnData, type FileMetaData, parquetMetadata, parquetRead, parquetSchema } from 'hyparquet';
import { columnFromValues } from './column-from-values';
import type { ColumnKind } from './column-kinds';

export interface ReadParquetParams {
  bytes: Uint8Array;
  /** Workspace-relative path (or URL) of the file, for messages. */
  file: string;
  columnKinds?: Readonly<Record<string, ColumnKind>>;
}

/**
 * Reads a Parquet file (any row groups; plain, dictionary and snappy-compressed pages, as
 * hyparquet reads them) into a Table, column by column. Columns keep the schema's order.
 */
export async function readParquet(params: ReadParquetParams): Promise<Table> {
  const { bytes, file } = params;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const asyncBuffer: AsyncBuffer = { byteLength: buffer.byteLength, slice: (start, end) => buffer.slice(start, end) };
  const metadata = readMetadata(buffer, file);
  const names = flatColumnNames(metadata, file);
  return readParquetRows({ asyncBuffer, metadata, file, names, rowStart: 0, rowEnd: Number(metadata.num_rows), columnKinds: params.columnKinds });
}

/** The schema's column names, in order; nested columns (structs, lists) are refused. */
export function flatColumnNames(metadata: FileMetaData, file: string): string[] {
  const children = parquetSchema(metadata).children;
  for (const child of children) {
    if (child.children.length > 0) {
      throw new DataError(`${file}: column '${child.element.name}' is nested (a struct or list)`, {
        file,
        field: child.element.name,
        hint: 'ReproML reads flat tables: flatten the column into scalar columns before pulling, or drop it.',
      });
    }
  }
  return children.map((child) => child.element.name);
}

export interface ReadParquetRowsParams {
  asyncBuffer: AsyncBuffer;
  metadata: FileMetaData;
  file: string;
  /** The columns to read, in the order they come out. */
  names: readonly string[];
  rowStart: number;
  rowEnd: number;
  columnKinds?: Readonly<Record<string, ColumnKind>>;
}

/** Rows [rowStart, rowEnd) of the named columns as a Table. */
export async function readParquetRows(params: ReadParquetRowsParams): Promise<Table> {
  const { file, names, rowStart, rowEnd } = params;
  const chunks = new Map<string, ColumnData[]>(names.map((name) => [name, []]));
  try {
    await parquetRead({
      file: params.asyncBuffer,
      metadata: params.metadata,
      columns: [...names],
      rowStart,
      rowEnd,
      onChunk: (chunk) => chunks.get(chunk.columnName)?.push(chunk),
    });
  } catch (error) {
    throw new DataError(`${file}: cannot read Parquet data: ${(error as Error).message}`, {
      file,
      hint: 'The file may be truncated or use an unsupported compression (snappy and uncompressed are supported).',
      cause: error,
    });
  }
  const rowCount = rowEnd - rowStart;
  const columns = names.map((name) =>
    columnFromValues({ name, values: assembleRows(chunks.get(name)!, rowStart, rowCount), forced: params.columnKinds?.[name], file }),
  );
  return { columns, rowCount };
}

function readMetadata(buffer: ArrayBuffer, file: string): ReturnType<typeof parquetMetadata> {
  try {
    return parquetMetadata(buffer);
  } catch (error) {
    throw new DataError(`${file} is not a readable Parquet file: ${(error as Error).message}`, {
      file,
      hint: 'Check that the file is Parquet (it should end with the magic bytes PAR1) and was fully downloaded.',
      cause: error,
    });
  }
}

/** Puts the chunks of one column in row order (chunks may arrive out of order), rows [offset, offset + rowCount). */
function assembleRows(chunks: readonly ColumnData[], offset: number, rowCount: number): unknown[] {
  const values = new Array<unknown>(rowCount).fill(null);
  for (const chunk of chunks) {
    const data = chunk.columnData;
    for (let i = 0; i < data.length; i++) {
      const row = chunk.rowStart + i - offset;
      if (row >= 0 && row < rowCount) values[row] = data[i];
    }
  }
  return values;
}
