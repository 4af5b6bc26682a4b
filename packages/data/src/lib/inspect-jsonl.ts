import type { ChunkReader } from './chunk-reader';
import { columnFromValues } from './column-from-values';
import type { ColumnKind } from './column-kinds';
import { jsonlRecords } from './jsonl-records';
import { type InspectedColumn, type TableInspection, TableInspector } from './table-inspector';
import type { TableSchema } from './table-schema';

/** Records per window. */
const WINDOW_ROWS = 1 << 14;

export interface InspectJsonlParams {
  /** Opens the file's UTF-8 bytes (from disk a chunk at a time, or in memory); called once per pass. */
  open: () => Promise<ChunkReader>;
  /** Workspace-relative path of the file, for messages. */
  file: string;
  columnKinds?: Readonly<Record<string, ColumnKind>>;
  schema: TableSchema | undefined;
}

/**
 * Profiles and validates a JSONL file a window of records at a time with a `TableInspector`:
 * the columns and kinds `readTable` finds for the whole file (columns in the order their keys
 * first appear, a key absent from a record is missing; a column holding any text is text),
 * memory bounded by one window of records. A column whose text comes after numbers is profiled
 * again as text in a second pass (that column only).
 */
export async function inspectJsonl(params: InspectJsonlParams): Promise<TableInspection> {
  const inspector = new TableInspector([], params.columnKinds, params.schema);
  await eachWindow(params, inspector, undefined);
  const again = inspector.secondPass();
  if (again.length > 0) await eachWindow(params, inspector, again);
  return inspector.result();
}

/** One pass over the file: every column (first pass, adding columns as keys appear) or only `again`'s. */
async function eachWindow(params: InspectJsonlParams, inspector: TableInspector, again: InspectedColumn[] | undefined): Promise<void> {
  const windows = new Map<string, { column: InspectedColumn; values: unknown[] }>();
  for (const column of again ?? []) windows.set(column.name, { column, values: new Array(WINDOW_ROWS).fill(null) });
  let rows = 0;
  const flush = () => {
    for (const { column, values } of windows.values()) {
      if (column.again && again === undefined) continue;
      const first = inspector.rows;
      const window = columnFromValues({
        name: column.name,
        values: rows === WINDOW_ROWS ? values : values.slice(0, rows),
        forced: column.forced ?? (column.kind === 'string' ? 'string' : undefined),
        file: params.file,
        where: (row) => `row ${first + row + 1}`,
      });
      values.fill(null);
      // Text in a column of numbers: restarted as text when every earlier row was missing, else read again.
      if (column.kind === 'number' && window.kind === 'string' && !inspector.turnToText(column, false)) continue;
      inspector.feed(column, window, rows);
      if (window.kind === 'number') column.present ||= (window.values as Float64Array).some((value) => !Number.isNaN(value));
    }
    inspector.rows += rows;
    rows = 0;
  };
  const reader = await params.open();
  try {
    for await (const { record } of jsonlRecords(reader, params.file)) {
      for (const name of Object.keys(record)) {
        let window = windows.get(name);
        if (window === undefined) {
          if (again !== undefined) continue;
          // A key first seen here: missing in the rows of earlier windows (the inspector) and of this one (null).
          window = { column: inspector.addColumn(name), values: new Array(WINDOW_ROWS).fill(null) };
          windows.set(name, window);
        }
        window.values[rows] = record[name];
      }
      if (++rows === WINDOW_ROWS) flush();
    }
    if (rows > 0) flush();
  } finally {
    await reader.close();
  }
}
