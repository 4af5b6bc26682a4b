import type { Column, Table } from '@reproml/core';
import { CategoryCounter } from './category-counter';
import { NumberColumnProfiler } from './number-column-profiler';
import type { ColumnProfile, TableProfile } from './profile-document';

export { CATEGORY_CAP, TOP_CATEGORIES } from './category-counter';
export { binCounts, HISTOGRAM_BINS, PROFILE_QUANTILES, quantileOfSorted } from './number-column-profiler';
export type { ColumnProfile, NumberColumnProfile, StringColumnProfile, TableProfile } from './profile-document';

/** Profiles one column fed a window of rows at a time (see NumberColumnProfiler, CategoryCounter). */
export interface ColumnProfiler {
  add(values: Column['values'], length?: number): void;
  profile(): ColumnProfile;
}

export function columnProfiler(name: string, kind: Column['kind']): ColumnProfiler {
  return kind === 'number' ? (new NumberColumnProfiler(name) as ColumnProfiler) : (new CategoryCounter(name) as ColumnProfiler);
}

/**
 * Per-column summary of a table: deterministic (fixed order, no sampling), the baseline for
 * drift checks. The same profilers `pull` streams a file through, fed the whole table at once.
 */
export function profileTable(table: Table): TableProfile {
  return {
    rows: table.rowCount,
    columns: table.columns.map((column) => {
      const profiler = columnProfiler(column.name, column.kind);
      profiler.add(column.values, table.rowCount);
      return profiler.profile();
    }),
  };
}
