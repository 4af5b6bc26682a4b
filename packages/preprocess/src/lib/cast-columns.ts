import { type Column, DataError, type Table } from '@reproml/core';
import { columnType, type ResolvedColumns, resolveColumnKeys } from './column-selector';
import { DATE_FEATURES } from './date-features';
import { describeRows } from './describe-rows';
import type { StageLocation } from './stage-location';

export interface CastColumnsParams {
  table: Table;
  casts: Record<string, 'number' | 'string'>;
  /** Input-file row of each table row (0-based), for messages. */
  rowNumbers: ArrayLike<number>;
  location: StageLocation;
  /** Receives the columns each key resolved to (keys may be glob patterns). */
  resolved?: ResolvedColumns[];
}

/** Applies the spec's type casts; a string that is not a finite number fails with its rows. */
export function castColumns(params: CastColumnsParams): Table {
  const { table } = params;
  const casts = resolveColumnKeys({ entries: params.casts, field: 'casts', table, location: params.location, record: params.resolved });
  const columns = table.columns.map((column): Column => {
    const cast = casts.get(column.name);
    if (!cast || cast.value === column.kind) return column;
    return cast.value === 'string' ? numberToString(column) : stringToNumber(column, params, cast.field);
  });
  return { columns, rowCount: table.rowCount };
}

function numberToString(column: Column): Column {
  const values = column.values as Float64Array;
  const out: (string | null)[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isNaN(values[i]!) ? null : String(values[i]);
  return { name: column.name, kind: 'string', values: out };
}

function stringToNumber(column: Column, params: CastColumnsParams, field: string): Column {
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
      field,
      hint:
        columnType(column) === 'date'
          ? `'${column.name}' holds dates: remove the cast and derive number features from it with "dates": [{ "columns": ["${column.name}"], "features": ["year", "month", "day", "dayOfWeek"] }] (features: ${DATE_FEATURES.join(', ')}).`
          : `Mark such values as missing first with "missingValues": { "${column.name}": [${distinct.join(', ')}] }, or filter those rows out.`,
    });
  }
  return { name: column.name, kind: 'number', values: out };
}
