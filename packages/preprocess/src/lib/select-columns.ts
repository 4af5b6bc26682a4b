import { type Column, ConfigError, type Table } from '@reproml/core';
import { requireColumn } from './require-column';
import type { StageLocation } from './stage-location';

export interface SelectColumnsParams {
  table: Table;
  select?: readonly string[];
  drop: readonly string[];
  target: string;
  location: StageLocation;
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
  params.drop.forEach((name, i) => {
    requireColumn({ table, name, field: `columns.drop[${i}]`, location, when });
    if (name === params.target) {
      throw new ConfigError(`columns.drop[${i}] drops the target column '${name}'`, {
        ...location,
        field: `columns.drop[${i}]`,
        hint: 'The target is never a feature; it needs no drop.',
      });
    }
  });
  const chosen = params.select ? params.select.map((name, i) => requireColumn({ table, name, field: `columns.select[${i}]`, location, when })) : table.columns;
  const dropped = new Set(params.drop);
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
