import { DataError, type Table } from '@reproml/core';
import { asyncBufferFromFile, type FileMetaData, parquetMetadataAsync } from 'hyparquet';
import type { ColumnKind } from './column-kinds';
import { flatColumnNames, readParquetRows } from './read-parquet';

export interface ReadParquetBatchesParams {
  path: string;
  /** Workspace-relative path of the file, for messages. */
  file: string;
  /** The columns to read (others are never decoded) and, optionally, their kinds. */
  columns: Readonly<Record<string, ColumnKind>>;
}

/** The column names of a Parquet file, from its footer alone. */
export async function parquetColumnNames(params: { path: string; file: string }): Promise<string[]> {
  return flatColumnNames(await readParquetMetadata(await asyncBufferFromFile(params.path), params.file), params.file);
}

/**
 * A Parquet file as a stream of tables, one row group at a time, reading only the byte
 * ranges of the wanted columns from disk: memory is bounded by one row group of those
 * columns, not by the file.
 */
export async function* readParquetBatches(params: ReadParquetBatchesParams): AsyncGenerator<Table> {
  const asyncBuffer = await asyncBufferFromFile(params.path);
  const metadata = await readParquetMetadata(asyncBuffer, params.file);
  const available = flatColumnNames(metadata, params.file);
  const names = Object.keys(params.columns).filter((name) => available.includes(name));
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    if (rowEnd > rowStart) {
      yield await readParquetRows({ asyncBuffer, metadata, file: params.file, names, rowStart, rowEnd, columnKinds: params.columns });
    }
    rowStart = rowEnd;
  }
}

/** The footer of a Parquet file, or an error naming the file. */
export async function readParquetMetadata(asyncBuffer: Awaited<ReturnType<typeof asyncBufferFromFile>>, file: string): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(asyncBuffer);
  } catch (error) {
    throw new DataError(`${file} is not a readable Parquet file: ${(error as Error).message}`, {
      file,
      hint: 'Check that the file is Parquet (it should end with the magic bytes PAR1) and was fully downloaded.',
      cause: error,
    });
  }
}
