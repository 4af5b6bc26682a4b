import type { Column } from '@reproml/core';
import { type DelimitedCells, infiniteError, MissingMatcher, readNumberCells, readStringCells, scanNumberCells } from './delimited-columns';
import type { ReadDelimitedParams } from './delimited-table';
import { delimitedWindows } from './delimited-windows';
import { StringInterner } from './string-interner';
import { type InspectedColumn, type TableInspection, TableInspector } from './table-inspector';
import type { TableSchema } from './table-schema';

/** Rows scanned per window. */
const WINDOW_ROWS = 1 << 16;

export interface InspectDelimitedParams extends ReadDelimitedParams {
  /** The schema to validate against, if any. */
  schema: TableSchema | undefined;
}

/**
 * Profiles and validates a CSV/TSV file in one streamed pass, a window of rows at a time, with
 * the kinds `readDelimited` infers (a column is numbers while every present cell is one) and
 * a `TableInspector`: memory is one window plus each column's bounded profile, whatever the
 * file's size. A column that turns out to be text after numbers were seen is profiled again as
 * text in a second pass over the file (its other columns are not decoded again).
 */
export async function inspectDelimited(params: InspectDelimitedParams): Promise<TableInspection> {
  const missing = new MissingMatcher(params.missingValues);
  let inspector: DelimitedInspector | undefined;
  await eachWindow(
    params,
    missing,
    (header) => (inspector = new DelimitedInspector(header, params)),
    (cells) => inspector!.add(cells),
  );
  if (!inspector) return { profile: { rows: 0, columns: [] }, validation: undefined };
  if (inspector.finish(params.file)) await eachWindow(params, missing, undefined, (cells) => inspector!.addText(cells));
  return inspector.table.result();
}

async function eachWindow(
  params: ReadDelimitedParams,
  missing: MissingMatcher,
  onHeader: ((header: readonly string[]) => void) | undefined,
  onWindow: (cells: DelimitedCells) => void,
): Promise<void> {
  const reader = await params.open();
  try {
    for await (const cells of delimitedWindows({ reader, delimiter: params.delimiter, file: params.file, missing, capacity: WINDOW_ROWS, onHeader })) {
      onWindow(cells);
    }
  } finally {
    await reader.close();
  }
}

/** What the CSV reader tracks per column besides the inspection: the infinities rule and the interner. */
interface CellColumn {
  column: InspectedColumn;
  /** Position in the header. */
  index: number;
  hasFinite: boolean;
  /** The first infinity (`inf`, `1e999`) in a number column: its line and text. */
  infinite?: { line: number; text: string };
  interner: StringInterner;
}

/** Turns each window's cells into one column of values at a time and feeds the inspector. */
class DelimitedInspector {
  readonly table: TableInspector;
  private readonly cells: CellColumn[];
  /** One window's values of one column at a time. */
  private readonly numbers = new Float64Array(WINDOW_ROWS);
  private readonly texts = new Array<string | null>(WINDOW_ROWS);

  constructor(header: readonly string[], params: InspectDelimitedParams) {
    this.table = new TableInspector(header, params.columnKinds, params.schema);
    this.cells = this.table.columns.map((column, index) => ({ column, index, hasFinite: false, interner: new StringInterner() }));
  }

  /** A window of the first pass. */
  add(cells: DelimitedCells): void {
    const rows = cells.rows.rowCount;
    const table = this.table;
    for (const cell of this.cells) {
      const { column } = cell;
      if (column.again) continue;
      if (column.kind === 'string') {
        table.feed(column, this.textsOf(cells, cell), rows);
        continue;
      }
      const numbers: Column = { name: column.name, kind: 'number', values: this.numbers };
      if (column.forced === 'number') {
        readNumberCells(cells, cell.index, this.numbers, 0);
        table.feed(column, numbers, rows);
        continue;
      }
      const scan = scanNumberCells(cells, cell.index, this.numbers, 0);
      const present = scan.hasFinite || scan.infinite !== undefined;
      if (scan.failedRow === undefined) {
        cell.hasFinite ||= scan.hasFinite;
        cell.infinite ??= scan.infinite;
        // A window with an infinity is fed too: the column then fails or is read again, and this profile is dropped.
        table.feed(column, numbers, rows);
        column.present ||= present;
        continue;
      }
      if (table.turnToText(column, present)) table.feed(column, this.textsOf(cells, cell), rows);
    }
    table.rows += rows;
  }

  /**
   * Ends the first pass: an infinity in a column of numbers is an error (a column of only
   * infinities and missing values is text). Returns whether a second pass is needed.
   */
  finish(file: string): boolean {
    for (const cell of this.cells) {
      const { column } = cell;
      if (column.kind !== 'number' || cell.infinite === undefined) continue;
      if (column.forced === 'number' || cell.hasFinite) throw infiniteError(file, column.name, cell.infinite);
      this.table.readAgainAsText(column);
    }
    return this.table.secondPass().length > 0;
  }

  /** A window of the second pass: the text of the columns read again. */
  addText(cells: DelimitedCells): void {
    const rows = cells.rows.rowCount;
    for (const cell of this.cells) if (cell.column.again) this.table.feed(cell.column, this.textsOf(cells, cell), rows);
    this.table.rows += rows;
  }

  private textsOf(cells: DelimitedCells, cell: CellColumn): Column {
    readStringCells(cells, cell.index, this.texts, 0, cell.interner);
    return { name: cell.column.name, kind: 'string', values: this.texts };
  }
}
