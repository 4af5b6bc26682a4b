import type { Column, Table } from '@reproml/core';
import { ConfigError } from '@reproml/core';
import { requireColumn } from './require-column';
import type { StageLocation } from './stage-location';

export interface MarkMissingValuesParams {
  table: Table;
  /** Extra values that mean "missing", per string column (e.g. "." or "NA"). */
  missingValues: Record<string, string[]>;
  location: StageLocation;
}

/**
 * Turns the declared missing-value markers, and the empty string in every string column,
 * into null. The empty string is what a missing string looks like on the wire (a CSV field,
 * an ONNX string tensor), so it can never be a category.
 */
export function markMissingValues(params: MarkMissingValuesParams): Table {
  const { table } = params;
  for (const name of Object.keys(params.missingValues)) {
    const column = requireColumn({ table, name, field: `missingValues.${name}`, location: params.location });
    if (column.kind !== 'string') {
      throw new ConfigError(`missingValues.${name}: '${name}' is a number column; missing numbers are already NaN/null`, {
        ...params.location,
        field: `missingValues.${name}`,
        hint: `Cast it first ("casts": { "${name}": "string" }) or use a filter for sentinel numbers.`,
      });
    }
  }
  const columns = table.columns.map((column): Column => {
    if (column.kind !== 'string') return column;
    const markers = new Set(['', ...(params.missingValues[column.name] ?? [])]);
    let changed = false;
    const out = column.values.map((value) => {
      if (value !== null && markers.has(value)) {
        changed = true;
        return null;
      }
      return value;
    });
    return changed ? { ...column, values: out } : column;
  });
  return { columns, rowCount: table.rowCount };
}
