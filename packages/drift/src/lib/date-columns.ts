import type { Column, Table } from '@reproml/core';
import { dateDayNumberReader, type FittedTransform } from '@reproml/preprocess/contracts';

/** The raw columns transform.json parses as dates. */
export function dateColumnNames(transform: FittedTransform): Set<string> {
  return new Set(transform.columns.filter((column) => column.kind === 'date').map((column) => column.name));
}

export interface DatesAsDays {
  table: Table;
  /** Column → how many non-missing values are not dates in the column's format (compared as missing). */
  notDates: Map<string, number>;
}

/**
 * A copy of the table whose date columns (per transform.json) are number columns of days
 * since 1970-01-01 (hour as a fraction), so drift compares them as a distribution over time
 * (KS, PSI) instead of as text categories, where every new day would look unseen.
 */
export function datesAsDays(table: Table, transform: FittedTransform): DatesAsDays {
  const notDates = new Map<string, number>();
  const columns = table.columns.map((column): Column => {
    const fitted = transform.columns.find((candidate) => candidate.name === column.name);
    if (fitted?.kind !== 'date' || column.kind !== 'string') return column;
    const read = dateDayNumberReader(fitted);
    const values = new Float64Array(column.values.length);
    let bad = 0;
    column.values.forEach((text, row) => {
      const day = text === null || text === '' ? undefined : read(text);
      if (text !== null && text !== '' && day === undefined) bad++;
      values[row] = day ?? Number.NaN;
    });
    if (bad) notDates.set(column.name, bad);
    return { name: column.name, kind: 'number', values };
  });
  return { table: { rowCount: table.rowCount, columns }, notDates };
}
