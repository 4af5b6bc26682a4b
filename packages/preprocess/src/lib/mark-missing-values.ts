import type { Column, Table } from '@reproml/core';
import { ConfigError, findColumn } from '@reproml/core';
import { type ResolvedColumns, resolveColumnKeys } from './column-selector';
import type { StageLocation } from './stage-location';

export interface MarkMissingValuesParams {
  table: Table;
  /** Extra values that mean "missing", per string column (e.g. "." or "NA"). */
  missingValues: Record<string, string[]>;
  location: StageLocation;
  /** Receives the columns each key resolved to (keys may be glob patterns). */
  resolved?: ResolvedColumns[];
}

/**
 * Turns the declared missing-value markers, and the empty string in every string column,
 * into null. The empty string is what a missing string looks like on the wire (a CSV field,
 * an ONNX string tensor), so it can never be a category.
 */
export function markMissingValues(params: MarkMissingValuesParams): Table {
  const { table } = params;
  const markersOf = resolveMissingValues(params);
  const columns = table.columns.map((column): Column => {
    if (column.kind !== 'string') return column;
    const markers = new Set(['', ...(markersOf[column.name] ?? [])]);
    const isMarker = (value: string | null) => value !== null && markers.has(value);
    // Copied only when a marker is there (a column of millions of rows usually has none).
    if (!column.values.some(isMarker)) return column;
    return { ...column, values: column.values.map((value) => (isMarker(value) ? null : value)) };
  });
  return { columns, rowCount: table.rowCount };
}

/**
 * The markers of each text column: keys are names or glob patterns (`{ "*": ["NA"] }` applies
 * to every text column; a glob never matches a number column, a name of one is an error).
 */
export function resolveMissingValues(params: MarkMissingValuesParams): Record<string, string[]> {
  const { table } = params;
  const resolved = resolveColumnKeys({
    entries: params.missingValues,
    field: 'missingValues',
    table,
    location: params.location,
    accept: (column) => column.kind === 'string',
    record: params.resolved,
  });
  const out: Record<string, string[]> = {};
  for (const [name, { value, field }] of resolved) {
    if (findColumn(table, name)!.kind !== 'string') {
      throw new ConfigError(`${field}: '${name}' is a number column; missing numbers are already NaN/null`, {
        ...params.location,
        field,
        hint: `Cast it first ("casts": { "${name}": "string" }) or use a filter for sentinel numbers.`,
      });
    }
    out[name] = value;
  }
  return out;
}
