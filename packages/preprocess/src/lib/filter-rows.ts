import { type Column, ConfigError, findColumn, type Table } from '@reproml/core';
import { type ResolvedColumns, resolveColumns } from './column-selector';
import { requireColumn } from './require-column';
import type { StageLocation } from './stage-location';
import type { RowFilter } from './transform-spec';

export interface FilterRowsParams {
  table: Table;
  /** Input-file row of each table row (0-based). */
  rowNumbers: Uint32Array;
  filters: readonly RowFilter[];
  location: StageLocation;
  /** Receives the columns each selector resolved to. */
  resolved?: ResolvedColumns[];
}

export interface FilterReport {
  /** The filter in words, e.g. `dropMissing(all of: a, b)`. */
  filter: string;
  /** Rows this filter removed (of those the earlier filters kept). */
  rowsDropped: number;
}

export interface FilteredRows {
  table: Table;
  rowNumbers: Uint32Array;
  reports: FilterReport[];
}

/** Keeps the rows that pass every filter, in file order; reports what each filter dropped. */
export function filterRows(params: FilterRowsParams): FilteredRows {
  const { table } = params;
  const keep = new Uint8Array(table.rowCount).fill(1);
  const reports: FilterReport[] = [];
  for (const [index, filter] of params.filters.entries()) {
    const { passes, description } = compileFilter(filter, table, `filters[${index}]`, params);
    let dropped = 0;
    for (let row = 0; row < table.rowCount; row++) {
      if (keep[row] && !passes(row)) {
        keep[row] = 0;
        dropped++;
      }
    }
    reports.push({ filter: description, rowsDropped: dropped });
  }
  let keptCount = 0;
  for (let row = 0; row < table.rowCount; row++) keptCount += keep[row]!;
  if (keptCount === table.rowCount) return { table, rowNumbers: params.rowNumbers, reports };
  // The kept rows' indices in a typed array of their count (a growing array of millions of numbers lives on the heap).
  const indices = new Uint32Array(keptCount);
  for (let row = 0, next = 0; row < table.rowCount; row++) if (keep[row]) indices[next++] = row;
  return {
    table: { columns: table.columns.map((column) => takeRows(column, indices)), rowCount: indices.length },
    rowNumbers: indices.map((row) => params.rowNumbers[row]!),
    reports,
  };
}

/** A new column with the given rows, in the given order. */
export function takeRows(column: Column, indices: Uint32Array): Column {
  if (column.kind === 'number') {
    const values = new Float64Array(indices.length);
    for (let i = 0; i < indices.length; i++) values[i] = column.values[indices[i]!]!;
    return { name: column.name, kind: 'number', values };
  }
  const values: (string | null)[] = new Array(indices.length);
  for (let i = 0; i < indices.length; i++) values[i] = column.values[indices[i]!]!;
  return { name: column.name, kind: 'string', values };
}

function isMissing(column: Column, row: number): boolean {
  return column.kind === 'number' ? Number.isNaN(column.values[row]!) : column.values[row] === null;
}

const FILTER_TABLE = 'after casts, missing-value markers and custom transforms';

function compileFilter(
  filter: RowFilter,
  table: Table,
  field: string,
  params: Pick<FilterRowsParams, 'location' | 'resolved'>,
): { passes: (row: number) => boolean; description: string } {
  if (filter.op === 'dropMissing') {
    const names = resolveColumns({
      spec: filter.columns,
      field: `${field}.columns`,
      table,
      location: params.location,
      when: FILTER_TABLE,
      record: params.resolved,
    });
    const columns = names.map((name) => findColumn(table, name)!);
    const description = `dropMissing(${filter.how} of: ${names.join(', ')})`;
    if (filter.how === 'all') return { passes: (row) => !columns.every((column) => isMissing(column, row)), description };
    return { passes: (row) => !columns.some((column) => isMissing(column, row)), description };
  }
  return { passes: compileColumnFilter(filter, table, field, params.location), description: describeFilter(filter) };
}

function compileColumnFilter(
  filter: Exclude<RowFilter, { op: 'dropMissing' }>,
  table: Table,
  field: string,
  location: StageLocation,
): (row: number) => boolean {
  const when = FILTER_TABLE;
  const column = requireColumn({ table, name: filter.column, field: `${field}.column`, location, when });
  switch (filter.op) {
    case 'notNull':
      return (row) => !isMissing(column, row);
    case 'isNull':
      return (row) => isMissing(column, row);
    case 'eq':
    case 'ne': {
      const value = coerce(filter.value, column, `${field}.value`, location);
      const equal = (row: number) => !isMissing(column, row) && column.values[row] === value;
      return filter.op === 'eq' ? equal : (row) => !equal(row);
    }
    case 'in':
    case 'notIn': {
      const values = new Set(filter.values.map((value, i) => coerce(value, column, `${field}.values[${i}]`, location)));
      const member = (row: number) => !isMissing(column, row) && values.has(column.values[row]!);
      return filter.op === 'in' ? member : (row) => !member(row);
    }
    default: {
      if (column.kind !== 'number') {
        throw new ConfigError(`${field}: '${filter.op}' compares numbers, but '${column.name}' is a string column`, {
          ...location,
          field: `${field}.op`,
          hint: `Cast it with "casts": { "${column.name}": "number" }, or use eq/ne/in/notIn.`,
        });
      }
      const values = column.values;
      const bound = filter.value;
      const compare = { gt: (x: number) => x > bound, ge: (x: number) => x >= bound, lt: (x: number) => x < bound, le: (x: number) => x <= bound }[filter.op];
      // NaN fails every comparison, so missing values are dropped by gt/ge/lt/le.
      return (row) => compare(values[row]!);
    }
  }
}

function coerce(value: string | number, column: Column, field: string, location: StageLocation): string | number {
  if (column.kind === 'number' && typeof value === 'number') return value;
  if (column.kind === 'string' && typeof value === 'string') return value;
  throw new ConfigError(`${field}: ${JSON.stringify(value)} is a ${typeof value}, but '${column.name}' is a ${column.kind} column`, {
    ...location,
    field,
    hint: column.kind === 'number' ? `Write the value as a number.` : `Write the value as a string, e.g. "${value}".`,
  });
}

function describeFilter(filter: Exclude<RowFilter, { op: 'dropMissing' }>): string {
  switch (filter.op) {
    case 'notNull':
    case 'isNull':
      return `${filter.op}(${filter.column})`;
    case 'in':
    case 'notIn':
      return `${filter.column} ${filter.op} ${JSON.stringify(filter.values)}`;
    default:
      return `${filter.column} ${filter.op} ${JSON.stringify(filter.value)}`;
  }
}
