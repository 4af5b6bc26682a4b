import { readFile } from 'node:fs/promises';
import type { Table } from '@reproml/core';
import { z } from 'zod';

/** The part of a preprocess stage's transform.json the drift check needs: each string column's missing markers. */
const transformMarkersSchema = z.object({
  columns: z.array(z.object({ name: z.string(), missingValues: z.array(z.string()).optional() })),
});

/** Column → texts the preprocess stage reads as missing (e.g. Sex "."), so the batch is read as training was. */
export async function readMissingMarkers(path: string): Promise<Map<string, Set<string>>> {
  const parsed = transformMarkersSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  const markers = new Map<string, Set<string>>();
  if (!parsed.success) return markers;
  for (const column of parsed.data.columns) if (column.missingValues?.length) markers.set(column.name, new Set(column.missingValues));
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
