import { type Column, DataError, type Table } from '@reproml/core';
import { columnType } from './column-selector';
import { DATE_FEATURES } from './date-features';
import { describeRows } from './describe-rows';
import { requireColumn } from './require-column';
import type { StageLocation } from './stage-location';

export interface CastColumnsParams {
  table: Table;
  casts: Record<string, 'number' | 'string'>;
  /** Input-file row of each table row (0-based), for messages. */
  rowNumbers: ArrayLike<number>;
  location: StageLocation;
}

/** Applies the spec's type casts; a string that is not a finite number fails with its rows. */
export function castColumns(params: CastColumnsParams): Table {
  const { table, casts } = params;
  for (const name of Object.keys(casts)) requireColumn({ table, name, field: `casts.${name}`, location: params.location });
  const columns = table.columns.map((column): Column => {
    const to = casts[column.name];
    if (!to || to === column.kind) return column;
    return to === 'string' ? numberToString(column) : stringToNumber(column, params);
  });
  return { columns, rowCount: table.rowCount };
}

function numberToString(column: Column): Column {
  const values = column.values as Float64Array;
  const out: (string | null)[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isNaN(values[i]!) ? null : String(values[i]);
  return { name: column.name, kind: 'string', values: out };
}

function stringToNumber(column: Column, params: CastColumnsParams): Column {
  const values = column.values as (string | null)[];
  const out = new Float64Array(values.length);
  const badRows: number[] = [];
  const badValues: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const text = values[i]?.trim();
    if (text === undefined || text === '') {
      out[i] = NaN;
      continue;
    }
    const parsed = Number(text);
    if (!Number.isFinite(parsed)) {
      badRows.push(params.rowNumbers[i]!);
      if (badValues.length < 3 && !badValues.includes(JSON.stringify(values[i]))) badValues.push(JSON.stringify(values[i]));
      continue;
    }
    out[i] = parsed;
  }
  if (badRows.length) {
    const distinct = [...new Set(badValues)];
    throw new DataError(`Column '${column.name}' cannot be cast to number: ${distinct.join(', ')} in ${describeRows(badRows)} are not finite numbers`, {
      ...params.location,
      field: `casts.${column.name}`,
      hint:
        columnType(column) === 'date'
          ? `'${column.name}' holds dates: remove the cast and derive number features from it with "dates": [{ "columns": ["${column.name}"], "features": ["year", "month", "day", "dayOfWeek"] }] (features: ${DATE_FEATURES.join(', ')}).`
          : `Mark such values as missing first with "missingValues": { "${column.name}": [${distinct.join(', ')}] }, or filter those rows out.`,
    });
  }
  return { name: column.name, kind: 'number', values: out };
}
