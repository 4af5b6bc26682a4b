import type { Table } from '@reproml/core';
import type { FittedTransform } from '@reproml/preprocess/contracts';

/** Column → texts the preprocess stage reads as missing (e.g. Sex "."), from its transform.json, so the batch is read as training was. */
export function missingMarkers(transform: FittedTransform): Map<string, Set<string>> {
  const markers = new Map<string, Set<string>>();
  for (const column of transform.columns) if (column.kind === 'string' && column.missingValues.length) markers.set(column.name, new Set(column.missingValues));
  return markers;
}

/** A copy of the table with each string column's markers replaced by null. */
export function markMissing(table: Table, markers: Map<string, Set<string>>): Table {
  return {
    rowCount: table.rowCount,
    columns: table.columns.map((column) => {
      const marked = markers.get(column.name);
      if (column.kind !== 'string' || !marked) return column;
      return { ...column, values: column.values.map((value) => (value !== null && marked.has(value) ? null : value)) };
    }),
  };
}
