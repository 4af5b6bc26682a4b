import { populationStabilityIndex } from './population-stability-index';
import { categoryCounts, profileCdf, profileKsStatistic, sharesInBins } from './profile-distribution';
import type { ColumnProfile, NumberColumnProfile, StringColumnProfile, TableProfile } from './profile-table';

/** PSI rule of thumb: below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 major shift. */
export const PSI_MODERATE = 0.1;
export const PSI_MAJOR = 0.25;

export type ShiftLevel = 'stable' | 'moderate' | 'major';

export interface ColumnShift {
  /** Population stability index on the earlier version's deciles (numbers) or categories. */
  psi: number;
  /** Largest gap between the two cumulative distributions (numbers only). */
  ks: number | null;
  level: ShiftLevel;
}

export interface NumberSummary {
  min: number | null;
  max: number | null;
  mean: number | null;
  quantiles: { q: number; value: number }[];
}

export interface ColumnDiff {
  name: string;
  change: 'added' | 'removed' | 'retyped' | 'kept';
  kind: { before: ColumnProfile['kind'] | null; after: ColumnProfile['kind'] | null };
  nullShare: { before: number | null; after: number | null };
  numbers?: { before: NumberSummary; after: NumberSummary };
  /** Categories among the most frequent values of one version only; `complete` when both profiles list every value. */
  categories?: { added: string[]; vanished: string[]; complete: boolean };
  shift?: ColumnShift;
}

export interface TableProfileDiff {
  rows: { before: number; after: number };
  columns: ColumnDiff[];
}

/** What changed between two profiles of a dataset file: columns, nulls, ranges, categories and a shift score per column. */
export function diffTableProfiles(before: TableProfile, after: TableProfile): TableProfileDiff {
  const beforeColumns = new Map(before.columns.map((column) => [column.name, column]));
  const afterColumns = new Map(after.columns.map((column) => [column.name, column]));
  const names = [...before.columns.map((column) => column.name), ...after.columns.map((column) => column.name).filter((name) => !beforeColumns.has(name))];
  return { rows: { before: before.rows, after: after.rows }, columns: names.map((name) => diffColumn(name, beforeColumns.get(name), afterColumns.get(name))) };
}

function diffColumn(name: string, before: ColumnProfile | undefined, after: ColumnProfile | undefined): ColumnDiff {
  const base = {
    name,
    kind: { before: before?.kind ?? null, after: after?.kind ?? null },
    nullShare: { before: before?.nullFraction ?? null, after: after?.nullFraction ?? null },
  };
  if (!before) return { ...base, change: 'added' };
  if (!after) return { ...base, change: 'removed' };
  if (before.kind !== after.kind) return { ...base, change: 'retyped' };
  if (before.kind === 'number') return { ...base, change: 'kept', ...diffNumbers(before, after as NumberColumnProfile) };
  return { ...base, change: 'kept', ...diffStrings(before, after as StringColumnProfile) };
}

function summary(profile: NumberColumnProfile): NumberSummary {
  return { min: profile.min, max: profile.max, mean: profile.mean, quantiles: profile.quantiles };
}

function diffNumbers(before: NumberColumnProfile, after: NumberColumnProfile): Pick<ColumnDiff, 'numbers' | 'shift'> {
  const numbers = { before: summary(before), after: summary(after) };
  if (before.count === 0 || after.count === 0 || before.histogram.edges.length < 2) return { numbers };
  const psi = populationStabilityIndex({ expected: before.histogram.counts, actual: sharesInBins(before.histogram.edges, profileCdf(after)) });
  return { numbers, shift: { psi, ks: profileKsStatistic(before, after), level: shiftLevel(psi) } };
}

function diffStrings(before: StringColumnProfile, after: StringColumnProfile): Pick<ColumnDiff, 'categories' | 'shift'> {
  const beforeValues = new Set(before.top.map((entry) => entry.value));
  const afterValues = new Set(after.top.map((entry) => entry.value));
  const categories = {
    added: [...afterValues].filter((value) => !beforeValues.has(value)).sort(),
    vanished: [...beforeValues].filter((value) => !afterValues.has(value)).sort(),
    complete: before.otherCount === 0 && after.otherCount === 0,
  };
  const counts = categoryCounts(before, after);
  const psi = populationStabilityIndex({ expected: counts.before, actual: counts.after });
  return { categories, shift: { psi, ks: null, level: shiftLevel(psi) } };
}

export function shiftLevel(psi: number): ShiftLevel {
  return psi > PSI_MAJOR ? 'major' : psi >= PSI_MODERATE ? 'moderate' : 'stable';
}
