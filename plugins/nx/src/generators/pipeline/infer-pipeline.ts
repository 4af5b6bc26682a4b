import type { Column, Table } from '@reproml/core';
import type { ColumnProfile, TableProfile } from '@reproml/data';
import { allocate, columnType, DEFAULT_DATE_FEATURES } from '@reproml/preprocess';

/** A string column with more distinct values than this is an id or free text, not a category. */
export const MAX_CATEGORIES = 20;
/** A number target with at most this many distinct integer values is read as classes. */
export const MAX_CLASSES_OF_NUMBERS = 10;

export type Task = 'classification' | 'regression';

/** What the generator decided for one column, and why (printed, and kept in the preprocess description). */
export interface ColumnDecision {
  column: string;
  use: 'target' | 'scale' | 'date' | 'onehot' | 'drop';
  reason: string;
}

export interface InferredPreprocess {
  task: Task;
  decisions: ColumnDecision[];
  /** Classes whose rows are filtered out: too rare for the stratified split. */
  rareClasses: { value: string | number; rows: number }[];
  /** The transform fields of the preprocess stage file (validated by the preprocess kind's schema by the caller). */
  spec: Record<string, unknown>;
}

/** classification for a string target or a few integer values, regression for other numbers. */
export function inferTask(table: Table, target: string): { task: Task; reason: string } {
  const column = table.columns.find((candidate) => candidate.name === target)!;
  if (column.kind === 'string') return { task: 'classification', reason: `'${target}' holds text` };
  const present = [...column.values].filter((value) => !Number.isNaN(value));
  const distinct = new Set(present);
  if (distinct.size <= MAX_CLASSES_OF_NUMBERS && present.every(Number.isInteger)) {
    return { task: 'classification', reason: `'${target}' holds ${distinct.size} distinct whole numbers` };
  }
  return { task: 'regression', reason: `'${target}' holds ${distinct.size} distinct numbers` };
}

/**
 * Numbers: impute (median) + standard scale; ISO-8601 date columns (the preprocess kind's own
 * `columnType` test): date features, imputed and scaled like numbers; low-cardinality strings:
 * impute (most frequent) + one-hot; the rest: dropped.
 */
export function decideColumn(table: Table, profile: ColumnProfile, target: string): ColumnDecision {
  const column = profile.name;
  if (column === target) return { column, use: 'target', reason: 'the target' };
  if (profile.count === 0) return { column, use: 'drop', reason: 'always missing' };
  if (profile.kind === 'number') {
    if (profile.min === profile.max) return { column, use: 'drop', reason: `constant (${profile.min})` };
    if (looksLikeNumberId(table, column, profile.count)) return { column, use: 'drop', reason: 'an id (every value distinct, named like an id)' };
    return { column, use: 'scale', reason: `numbers${profile.nulls ? ` (${profile.nulls} missing: median)` : ''}` };
  }
  if (profile.distinct === 1) return { column, use: 'drop', reason: `constant ('${profile.top[0]?.value}')` };
  if (columnType(table.columns.find((candidate) => candidate.name === column)!) === 'date') {
    return {
      column,
      use: 'date',
      reason: `ISO-8601 dates: features ${DEFAULT_DATE_FEATURES.join(', ')}, each standard-scaled${profile.nulls ? ` (${profile.nulls} missing: median)` : ''}`,
    };
  }
  if (profile.distinct > MAX_CATEGORIES) {
    if (profile.capped) return { column, use: 'drop', reason: `an id, free text or high-cardinality text: more than ${profile.distinct} distinct values` };
    const kind = profile.distinct === profile.count ? 'an id or free text (every value distinct)' : 'high-cardinality text';
    return { column, use: 'drop', reason: `${kind}: ${profile.distinct} distinct values, more than ${MAX_CATEGORIES}` };
  }
  return { column, use: 'onehot', reason: `${profile.distinct} categories${profile.nulls ? ` (${profile.nulls} missing: most frequent)` : ''}` };
}

function looksLikeNumberId(table: Table, name: string, count: number): boolean {
  if (!/(^|[^a-z])id$/i.test(name.trim())) return false;
  const column = table.columns.find((candidate) => candidate.name === name)!;
  return new Set(column.values as ArrayLike<number> as number[]).size === count;
}

/** The preprocess spec a profile implies, with one decision per column. */
export function inferPreprocess(params: { table: Table; profile: TableProfile; target: string; task: Task }): InferredPreprocess {
  const { table, profile, target, task } = params;
  const decisions = profile.columns.map((column) => decideColumn(table, column, target));
  const rare = task === 'classification' ? rareClasses(table.columns.find((column) => column.name === target)!) : [];
  const targetDecision = decisions.find((decision) => decision.use === 'target')!;
  if (rare.length) {
    targetDecision.reason += `; rows of ${rare.length} class(es) too rare to stratify dropped: ${rare.map((entry) => `${entry.value} (${entry.rows} rows)`).join(', ')}`;
  }
  const filters = [
    ...(profile.columns.find((column) => column.name === target)!.nulls > 0 ? [{ op: 'notNull', column: target }] : []),
    ...(rare.length ? [{ op: 'notIn', column: target, values: rare.map((entry) => entry.value) }] : []),
  ];
  const named = (use: ColumnDecision['use']) => decisions.filter((decision) => decision.use === use).map((decision) => decision.column);
  const missing = (name: string) => (profile.columns.find((column) => column.name === name)?.nulls ?? 0) > 0;
  const numbers = named('scale');
  const dates = named('date');
  const categories = named('onehot');
  const dropped = named('drop');
  const spec: Record<string, unknown> = {
    target: { column: target, task },
    ...(filters.length ? { filters } : {}),
    ...(dropped.length ? { columns: { drop: dropped } } : {}),
    // A date column becomes number features (the dates rule); impute and scale rules naming it apply to each feature.
    ...(dates.length ? { dates: [{ columns: dates }] } : {}),
    impute: [
      ...([...numbers, ...dates].some(missing) ? [{ columns: [...numbers, ...dates].filter(missing), strategy: 'median' }] : []),
      ...(categories.some(missing) ? [{ columns: categories.filter(missing), strategy: 'most_frequent' }] : []),
    ],
    encode: categories.length ? [{ columns: categories, method: 'onehot', unseen: 'ignore' }] : [],
    scale: numbers.length + dates.length ? [{ columns: [...numbers, ...dates], method: 'standard' }] : [],
    split: { ...GENERATED_SPLIT, ...(task === 'classification' ? { stratify: target } : {}) },
  };
  return { task, decisions, spec, rareClasses: rare };
}

/** The generated split (the preprocess kind's default fractions), stratified for classification. */
export const GENERATED_SPLIT = { train: 0.7, validation: 0.15, test: 0.15 } as const;

/**
 * Classes with too few rows for a stratified split to put one in every split (the preprocess
 * stage refuses such a split, naming the class): the generator filters their rows out, so the
 * pipeline runs as generated, and says so.
 */
export function rareClasses(target: Column): { value: string | number; rows: number }[] {
  const counts = new Map<string | number, number>();
  const values = target.values as ArrayLike<string | number | null>;
  for (let row = 0; row < values.length; row++) {
    const value = values[row]!;
    if (value === null || value === '' || (typeof value === 'number' && Number.isNaN(value))) continue;
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, rows]) => Object.values(allocate(rows, GENERATED_SPLIT)).some((count) => count === 0))
    .map(([value, rows]) => ({ value, rows }))
    .sort((a, b) => (typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : String(a.value) < String(b.value) ? -1 : 1));
}
