import type { Column, Table } from '@reproml/core';

/** The quantiles every number profile lists. */
export const PROFILE_QUANTILES = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
/** Number histograms use decile edges, so a drift check can bin new data the same way (PSI). */
export const HISTOGRAM_BINS = 10;
export const TOP_CATEGORIES = 20;

export interface NumberColumnProfile {
  name: string;
  kind: 'number';
  /** Present (non-missing) values. */
  count: number;
  nulls: number;
  nullFraction: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sample standard deviation (n − 1), null below two values. */
  std: number | null;
  quantiles: { q: number; value: number }[];
  /**
   * Equal-frequency bins of the present values: bin i is [edges[i], edges[i+1]) and the last
   * bin is closed. Repeated edges are merged, so there may be fewer than ten bins.
   */
  histogram: { edges: number[]; counts: number[] };
}

export interface StringColumnProfile {
  name: string;
  kind: 'string';
  count: number;
  nulls: number;
  nullFraction: number;
  distinct: number;
  /** The most frequent values (count descending, then value), at most twenty. */
  top: { value: string; count: number }[];
  /** Present values outside `top`. */
  otherCount: number;
}

export type ColumnProfile = NumberColumnProfile | StringColumnProfile;

export interface TableProfile {
  rows: number;
  columns: ColumnProfile[];
}

/** Per-column summary of a table: deterministic (fixed order, no sampling), the baseline for drift checks. */
export function profileTable(table: Table): TableProfile {
  return { rows: table.rowCount, columns: table.columns.map((column) => profileColumn(column, table.rowCount)) };
}

function profileColumn(column: Column, rows: number): ColumnProfile {
  return column.kind === 'number' ? profileNumbers(column.name, column.values, rows) : profileStrings(column.name, column.values, rows);
}

function profileNumbers(name: string, values: Float64Array, rows: number): NumberColumnProfile {
  const present = values.filter((value) => !Number.isNaN(value)).sort();
  const count = present.length;
  const nulls = rows - count;
  const base = { name, kind: 'number' as const, count, nulls, nullFraction: rows ? nulls / rows : 0 };
  if (count === 0) return { ...base, min: null, max: null, mean: null, std: null, quantiles: [], histogram: { edges: [], counts: [] } };
  let sum = 0;
  for (const value of present) sum += value;
  const mean = sum / count;
  let squares = 0;
  for (const value of present) squares += (value - mean) ** 2;
  return {
    ...base,
    min: present[0]!,
    max: present[count - 1]!,
    mean,
    std: count > 1 ? Math.sqrt(squares / (count - 1)) : null,
    quantiles: PROFILE_QUANTILES.map((q) => ({ q, value: quantileOfSorted(present, q) })),
    histogram: histogram(present),
  };
}

/** Linear interpolation between closest ranks (numpy's default). */
export function quantileOfSorted(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

function histogram(sorted: Float64Array): { edges: number[]; counts: number[] } {
  const edges: number[] = [];
  for (let bin = 0; bin <= HISTOGRAM_BINS; bin++) {
    const edge = quantileOfSorted(sorted, bin / HISTOGRAM_BINS);
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  if (edges.length === 1) return { edges: [edges[0]!, edges[0]!], counts: [sorted.length] };
  return { edges, counts: binCounts(sorted, edges) };
}

/** Counts of sorted values per bin [edges[i], edges[i+1]), the last bin closed. Reusable by drift checks. */
export function binCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(Math.max(edges.length - 1, 0)).fill(0);
  const last = counts.length - 1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (Number.isNaN(value) || last < 0) continue;
    let low = 0;
    let high = last;
    // The bin whose left edge is the largest one ≤ value (values outside go to the end bins).
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (edges[mid]! <= value) low = mid;
      else high = mid - 1;
    }
    counts[low]!++;
  }
  return counts;
}

function profileStrings(name: string, values: (string | null)[], rows: number): StringColumnProfile {
  const frequencies = new Map<string, number>();
  let nulls = 0;
  for (const value of values) {
    if (value === null) nulls++;
    else frequencies.set(value, (frequencies.get(value) ?? 0) + 1);
  }
  const ranked = [...frequencies].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0));
  const top = ranked.slice(0, TOP_CATEGORIES).map(([value, count]) => ({ value, count }));
  const count = rows - nulls;
  return {
    name,
    kind: 'string',
    count,
    nulls,
    nullFraction: rows ? nulls / rows : 0,
    distinct: frequencies.size,
    top,
    otherCount: count - top.reduce((total, entry) => total + entry.count, 0),
  };
}
