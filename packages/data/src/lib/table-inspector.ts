import type { Column } from '@reproml/core';
import type { ColumnKind } from './column-kinds';
import { type ColumnProfiler, columnProfiler, type TableProfile } from './profile-table';
import type { TableSchema } from './table-schema';
import { type TableValidation, TableValidator } from './validate-table';

/** Rows of missing values fed at a time when a column restarts as text. */
const MISSING_WINDOW = 1 << 16;

export interface InspectedColumn {
  name: string;
  /** The kind the stage forces (schema string columns, `columnKinds`), if any. */
  forced?: ColumnKind;
  /** The kind so far: number until a present value is no number. */
  kind: ColumnKind;
  /** Profiled again as text in a second pass over the file (text after numbers were seen). */
  again: boolean;
  /** Whether any present (non-missing) value was fed. */
  present: boolean;
  profiler: ColumnProfiler;
}

export interface TableInspection {
  profile: TableProfile;
  validation: TableValidation | undefined;
}

/**
 * The per-column profilers and the validator of one file, fed a window of rows at a time by a
 * streamed reader (`inspectDelimited`, `inspectJsonl`, `inspectParquet`): bounded memory whatever the file's
 * size, the figures `profileTable`/`validateTable` give for the whole table. A column is
 * numbers until a present value is text; then it restarts as text (when nothing was present
 * before) or is marked for a second pass over the file (`again`).
 */
export class TableInspector {
  /** Rows before the current window (of the current pass). */
  rows = 0;
  readonly columns: InspectedColumn[];
  private readonly validator: TableValidator | undefined;

  constructor(
    names: readonly string[],
    private readonly kinds: Readonly<Record<string, ColumnKind>> | undefined,
    schema: TableSchema | undefined,
  ) {
    this.columns = names.map((name) => this.newColumn(name));
    this.validator = schema && new TableValidator(schema, this.columns);
  }

  /** A column first seen after `rows` rows (a JSONL key): its earlier rows are missing. */
  addColumn(name: string): InspectedColumn {
    const column = this.newColumn(name);
    this.columns.push(column);
    this.validator?.replace(name, column.kind);
    this.feedMissing(column, this.rows);
    return column;
  }

  /** Feeds the first `count` values of a window of `column` (rows `this.rows …`) to its profiler and validator. */
  feed(column: InspectedColumn, values: Column, count: number): void {
    column.profiler.add(values.values, count);
    this.validator?.column(column.name)?.add(values, count, this.rows);
  }

  /**
   * A present value of a number column is text. Returns true when the column restarted as text
   * (every earlier row was missing: the caller feeds this window as text), false when it is
   * marked for the second pass.
   */
  turnToText(column: InspectedColumn, presentInWindow: boolean): boolean {
    column.kind = 'string';
    if (column.present || presentInWindow) {
      column.again = true;
      return false;
    }
    this.restart(column);
    this.feedMissing(column, this.rows);
    return true;
  }

  /** Marks a number column for the second pass, as text (a column of only infinities and missing values). */
  readAgainAsText(column: InspectedColumn): void {
    column.kind = 'string';
    column.again = true;
  }

  /** Ends the first pass: the columns to read again as text (restarted), from row 0. */
  secondPass(): InspectedColumn[] {
    const again = this.columns.filter((column) => column.again);
    for (const column of again) this.restart(column);
    if (again.length > 0) this.rows = 0;
    return again;
  }

  result(): TableInspection {
    // After a second pass `rows` counted its rows: the file's rows too.
    const rows = this.rows;
    return { profile: { rows, columns: this.columns.map((column) => column.profiler.profile()) }, validation: this.validator?.result(rows) };
  }

  private newColumn(name: string): InspectedColumn {
    const forced = this.kinds?.[name];
    const kind = forced ?? 'number';
    return { name, forced, kind, again: false, present: false, profiler: columnProfiler(name, kind) };
  }

  /** Rows `0 … rows` of a column are missing (a column restarted as text, or first seen late). */
  private feedMissing(column: InspectedColumn, rows: number): void {
    const size = Math.min(rows, MISSING_WINDOW);
    const missing: Column =
      column.kind === 'number'
        ? { name: column.name, kind: 'number', values: new Float64Array(size).fill(Number.NaN) }
        : { name: column.name, kind: 'string', values: new Array<string | null>(size).fill(null) };
    for (let first = 0; first < rows; first += MISSING_WINDOW) {
      const count = Math.min(MISSING_WINDOW, rows - first);
      column.profiler.add(missing.values, count);
      this.validator?.column(column.name)?.add(missing, count, first);
    }
  }

  private restart(column: InspectedColumn): void {
    column.profiler = columnProfiler(column.name, 'string');
    this.validator?.replace(column.name, 'string');
  }
}
