import { DataError, type Table } from '@reproml/core';
import { describeRows } from './describe-rows';
import type { StageLocation } from './stage-location';

/** ±Infinity cannot be imputed, scaled or written; name the column and rows instead. */
export function checkFiniteNumbers(params: { table: Table; rowNumbers: ArrayLike<number>; location: StageLocation; when?: string }): void {
  for (const column of params.table.columns) {
    if (column.kind !== 'number') continue;
    const badRows: number[] = [];
    const values = column.values;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (value === Infinity || value === -Infinity) badRows.push(params.rowNumbers[i]!);
    }
    if (badRows.length) {
      throw new DataError(`Column '${column.name}' has non-finite numbers (±Infinity) in ${describeRows(badRows)}${params.when ? ` ${params.when}` : ''}`, {
        ...params.location,
        field: column.name,
        hint: `Fix the data, or drop those rows with a filter such as { "op": "lt", "column": "${column.name}", "value": 1e308 }.`,
      });
    }
  }
}
