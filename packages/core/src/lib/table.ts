/**
 * The in-memory, columnar form of a data set that every ReproML stage passes around.
 * Columns are typed arrays for numbers (float64; NaN marks a missing value) and plain
 * arrays for strings (null marks a missing value). Row order and column order are the
 * file's order, so the same bytes always give the same table.
 */
export type Column = NumberColumn | StringColumn;

export interface NumberColumn {
  name: string;
  kind: 'number';
  /** NaN marks a missing value; ±Infinity never appears in a valid table. */
  values: Float64Array;
}

export interface StringColumn {
  name: string;
  kind: 'string';
  values: (string | null)[];
}

export interface Table {
  columns: Column[];
  rowCount: number;
}

/** The column named `name`, or undefined. */
export function findColumn(table: Table, name: string): Column | undefined {
  return table.columns.find((column) => column.name === name);
}
