import { type Column, ConfigError, findColumn, type Table } from '@reproml/core';
import { type ColumnsSpec, namedColumns, type ResolvedColumns, resolveColumns } from './column-selector';
import { requireColumn } from './require-column';
import type { StageLocation } from './stage-location';

export interface SelectColumnsParams {
  table: Table;
  select?: ColumnsSpec;
  drop: ColumnsSpec | readonly [];
  target: string;
  location: StageLocation;
  /** Receives the columns each selector resolved to. */
  resolved?: ResolvedColumns[];
}

export interface SelectedColumns {
  /** The raw feature columns, in order (select order, else file order). */
  features: Column[];
  target: Column;
}

/** Splits the table into the raw feature columns and the target column. */
export function selectColumns(params: SelectColumnsParams): SelectedColumns {
  const { table, location } = params;
  const when = 'after casts and custom transforms';
  const target = requireColumn({ table, name: params.target, field: 'target.column', location, when });
  const drop = Array.isArray(params.drop) && params.drop.length === 0 ? undefined : (params.drop as ColumnsSpec);
  for (const { name, path } of drop ? namedColumns(drop, ['columns', 'drop']) : []) {
    const field = path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i ? `.${part}` : part)).join('');
    if (name === params.target) {
      throw new ConfigError(`${field} drops the target column '${name}'`, { ...location, field, hint: 'The target is never a feature; it needs no drop.' });
    }
  }
  const resolve = (spec: ColumnsSpec, field: string) =>
    resolveColumns({ spec, field, table, location, when, exclude: [params.target], record: params.resolved });
  const chosen = params.select ? resolve(params.select, 'columns.select').map((name) => findColumn(table, name)!) : table.columns;
  const dropped = new Set(drop ? resolve(drop, 'columns.drop') : []);
  const features = chosen.filter((column) => column.name !== params.target && !dropped.has(column.name));
  if (!features.length) {
    throw new ConfigError('No feature columns are left after columns.select/columns.drop', {
      ...location,
      field: 'columns',
      hint: 'Keep at least one column besides the target.',
    });
  }
  return { features, target };
}
