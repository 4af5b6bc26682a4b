import { type Column, ConfigError, didYouMean, findColumn, type Table } from '@reproml/core';
import type { StageLocation } from './stage-location';

export interface RequireColumnParams {
  table: Table;
  name: string;
  /** Dotted path of the spec field that names the column, e.g. `encode[0].columns[1]`. */
  field: string;
  location: StageLocation;
  /** What the table is at this point, for the message, e.g. "after casts and custom transforms". */
  when?: string;
}

/** The column a spec field names, or a ConfigError that suggests the closest existing column. */
export function requireColumn(params: RequireColumnParams): Column {
  const column = findColumn(params.table, params.name);
  if (column) return column;
  const names = params.table.columns.map((c) => c.name);
  throw new ConfigError(
    `Column '${params.name}' named in ${params.field} does not exist${params.when ? ` ${params.when}` : ''}${didYouMean(params.name, names)}`,
    {
      stage: params.location.stage,
      file: params.location.file,
      field: params.field,
      hint: `Columns available${params.location.input ? ` in ${params.location.input}` : ''}: ${names.map((n) => `'${n}'`).join(', ')}.`,
    },
  );
}
