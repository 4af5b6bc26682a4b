import type { Table } from '@reproml/core';
import { type AsyncBuffer, asyncBufferFromFile } from 'hyparquet';
import type { ColumnKind } from './column-kinds';
import { flatColumnNames, readParquetRows } from './read-parquet';
import { readParquetMetadata } from './read-parquet-batches';
import { type InspectedColumn, type TableInspection, TableInspector } from './table-inspector';
import type { TableSchema } from './table-schema';

export interface InspectParquetParams {
  /** The file on disk, or its bytes. */
  data: { path: string } | { bytes: Uint8Array };
  /** Workspace-relative path of the file, for messages. */
  file: string;
  columnKinds?: Readonly<Record<string, ColumnKind>>;
  schema: TableSchema | undefined;
}

/**
 * Profiles and validates a Parquet file a row group at a time with a `TableInspector`: the
 * kinds `readParquet` infers for the whole file (a column holding any text is text), memory
 * bounded by one row group. A column that holds text only in a later row group, after numbers,
 * is profiled again as text in a second pass over the row groups (that column only).
 */
export async function inspectParquet(params: InspectParquetParams): Promise<TableInspection> {
  const { file } = params;
  const asyncBuffer = 'path' in params.data ? await asyncBufferFromFile(params.data.path) : bytesBuffer(params.data.bytes);
  const metadata = await readParquetMetadata(asyncBuffer, file);
  const inspector = new TableInspector(flatColumnNames(metadata, file), params.columnKinds, params.schema);
  /** Reads each row group's `select()`ed columns (chosen per group: a column may be dropped from the first pass). */
  const eachGroup = async (select: () => InspectedColumn[], onGroup: (rows: number, columns: InspectedColumn[], table: Table) => void) => {
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      const columns = select();
      // A column known to be text is read as text: a row group with none of its text (all missing) would otherwise read as numbers.
      const kinds: Record<string, ColumnKind> = {};
      for (const column of columns) {
        const kind = column.forced ?? (column.kind === 'string' ? 'string' : undefined);
        if (kind) kinds[column.name] = kind;
      }
      const names = columns.map((column) => column.name);
      if (rowEnd > rowStart && names.length > 0)
        onGroup(rowEnd - rowStart, columns, await readParquetRows({ asyncBuffer, metadata, file, names, rowStart, rowEnd, columnKinds: kinds }));
      else if (rowEnd > rowStart) onGroup(rowEnd - rowStart, [], { columns: [], rowCount: rowEnd - rowStart });
      rowStart = rowEnd;
    }
  };
  await eachGroup(
    () => inspector.columns.filter((column) => !column.again),
    (rows, columns, table) => {
      for (const [position, values] of table.columns.entries()) {
        const column = columns[position]!;
        // Text in a column of numbers: restarted as text when every earlier row was missing, else read again.
        if (column.kind === 'number' && values.kind === 'string' && !inspector.turnToText(column, false)) continue;
        inspector.feed(column, values, rows);
        if (values.kind === 'number') column.present ||= (values.values as Float64Array).some((value) => !Number.isNaN(value));
      }
      inspector.rows += rows;
    },
  );
  const again = inspector.secondPass();
  if (again.length > 0) {
    await eachGroup(
      () => again,
      (rows, columns, table) => {
        for (const [position, values] of table.columns.entries()) inspector.feed(columns[position]!, values, rows);
        inspector.rows += rows;
      },
    );
  }
  return inspector.result();
}

function bytesBuffer(bytes: Uint8Array): AsyncBuffer {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { byteLength: buffer.byteLength, slice: (start, end) => buffer.slice(start, end) };
}
