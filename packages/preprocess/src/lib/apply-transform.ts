import { type Column, DataError, findColumn, type NumberColumn, type StringColumn, type Table } from '@reproml/core';
import { compileDateFormat } from './date-format';
import { describeRows } from './describe-rows';
import { classNameOf, featureNamesOf } from './fit-transform';
import type { FittedDateColumn, FittedNumberColumn, FittedStringColumn, FittedTransform } from './fitted-transform';
import { dateFeatureValues, parseDateColumn } from './parse-date-column';
import type { StageLocation } from './stage-location';

/**
 * Transformed features, column-wise, without a copy of the data: a dense feature computes its
 * value from the raw column with the fitted statistics when asked (`value(row)`, the same
 * float64 arithmetic every time), and a one-hot group holds category codes in the narrowest
 * typed array (expanded only when written). So the transformed rows cost a byte or two per
 * row per one-hot group, not 8 bytes per feature.
 */
export type FeatureBlock = DenseBlock | OneHotBlock;
export interface DenseBlock {
  kind: 'dense';
  names: [string];
  /** The feature's value in a table row (NaN only for a missing value kept by `keepMissing`). */
  value: (row: number) => number;
}
export interface OneHotBlock {
  kind: 'onehot';
  names: string[];
  /** Category index per row; -1 = all zeros (unseen, ignored). */
  codes: CategoryCodes;
}
export type CategoryCodes = Int8Array | Int16Array | Int32Array;

/** Target values (regression, float64) or class ids (classification: the narrowest unsigned array for the class count). */
export type LabelValues = Float64Array | Uint8Array | Uint16Array | Uint32Array;

/** A dense block's values over rows 0 … rowCount-1 (for tests and small tables). */
export function denseValues(block: DenseBlock, rowCount: number): Float64Array {
  const values = new Float64Array(rowCount);
  for (let row = 0; row < rowCount; row++) values[row] = block.value(row);
  return values;
}

/** Codes for `categories` categories and -1: one byte per row up to 127 categories. */
function categoryCodes(categories: number, rows: number): CategoryCodes {
  if (categories <= 0x7f) return new Int8Array(rows);
  return categories <= 0x7fff ? new Int16Array(rows) : new Int32Array(rows);
}

export interface NullCount {
  column: string;
  /** Missing values before imputation (NaN, null, "" and declared markers). */
  before: number;
  /** Missing values left after imputation. */
  after: number;
}

export interface TransformedRows {
  blocks: FeatureBlock[];
  /** Class id (classification) or target value (regression) per row; absent when the table has no target column. */
  labels?: LabelValues;
  nullCounts: NullCount[];
  rowCount: number;
}

export interface ApplyTransformParams {
  transform: FittedTransform;
  /** Must hold every raw input column (by name); the target column is optional. */
  table: Table;
  /** Input-file row of each table row (0-based), for messages. Default: the table's own row index. */
  rowNumbers?: ArrayLike<number>;
  location?: StageLocation;
}

/**
 * Applies a fitted transform using its fitted statistics only: imputation, then encoding
 * or scaling, per column on typed arrays. Values it cannot transform (a category not
 * fitted under unseen "error", a missing number with no impute rule, an unknown class)
 * fail with the column and the rows.
 */
export function applyTransform(params: ApplyTransformParams): TransformedRows {
  const { transform, table } = params;
  const context = { rowNumbers: params.rowNumbers ?? identityRows(table.rowCount), location: params.location ?? {} };
  const blocks: FeatureBlock[] = [];
  const nullCounts: NullCount[] = [];
  transform.columns.forEach((fitted, index) => {
    const column = rawColumn(table, transform, index, context.location);
    if (fitted.kind === 'number') blocks.push(applyNumber(fitted, column as NumberColumn, nullCounts, context));
    else if (fitted.kind === 'date') blocks.push(...applyDate(fitted, column as StringColumn, nullCounts, context));
    else blocks.push(applyString(fitted, column as StringColumn, nullCounts, context));
  });
  const target = findColumn(table, transform.target);
  return {
    blocks,
    ...(target ? { labels: encodeLabels(transform, target, context) } : {}),
    nullCounts,
    rowCount: table.rowCount,
  };
}

interface ApplyContext {
  rowNumbers: ArrayLike<number>;
  location: StageLocation;
}

function identityRows(n: number): Uint32Array {
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

function rawColumn(table: Table, transform: FittedTransform, index: number, location: StageLocation): Column {
  const input = transform.rawInputs[index]!;
  const column = findColumn(table, input.name);
  if (!column) {
    throw new DataError(`The data has no column '${input.name}', which the fitted transform takes as input`, {
      ...location,
      field: input.name,
      hint: `Inputs of this transform: ${transform.rawInputs.map((i) => `'${i.name}'`).join(', ')}.`,
    });
  }
  if (column.kind !== input.kind) {
    throw new DataError(`Column '${input.name}' is a ${column.kind} column, but the transform was fitted on a ${input.kind} column`, {
      ...location,
      field: input.name,
      hint: 'Read or cast the column to the kind it had when the transform was fitted.',
    });
  }
  return column;
}

/** `sourceColumn`: the spec's column behind the values (a date column for its features), for hints. */
function applyNumber(
  fitted: FittedNumberColumn,
  column: NumberColumn,
  nullCounts: NullCount[],
  context: ApplyContext,
  sourceColumn = column.name,
): FeatureBlock {
  const source = column.values;
  const fill = fitted.impute ? fitted.impute.value : NaN;
  const offset = fitted.scale ? fitted.scale.offset : 0;
  const scale = fitted.scale ? fitted.scale.scale : 1;
  const scaled = fitted.scale !== null;
  let before = 0;
  let kept = 0;
  let missingRows: number[] | undefined;
  for (let i = 0; i < source.length; i++) {
    let value = source[i]!;
    if (Number.isNaN(value)) {
      before++;
      value = fill;
      if (Number.isNaN(value)) {
        if (fitted.keepMissing) kept++;
        else (missingRows ??= []).push(context.rowNumbers[i]!);
      }
    } else if (value === Infinity || value === -Infinity) {
      throw new DataError(`Column '${column.name}' has a non-finite number (${value}) in ${describeRows([context.rowNumbers[i]!])}`, {
        ...context.location,
        field: column.name,
        hint: 'Fix the data or filter the row out; ±Infinity cannot be imputed or scaled.',
      });
    }
  }
  nullCounts.push({ column: column.name, before, after: kept + (missingRows?.length ?? 0) });
  if (missingRows) {
    throw new DataError(`Column '${column.name}' has missing values in ${describeRows(missingRows)} and no impute rule`, {
      ...context.location,
      field: column.name,
      hint: `Add an impute rule (e.g. { "columns": ["${sourceColumn}"], "strategy": "median" }), drop those rows with a filter { "op": "notNull", "column": "${sourceColumn}" }, or set "keepMissing": true to keep them as missing values for a gbdt model.`,
    });
  }
  // Same formula and order as the ai.onnx.ml Scaler: (x - offset) * scale; computed when read, never stored.
  const value = scaled
    ? (row: number) => {
        const x = source[row]!;
        return ((Number.isNaN(x) ? fill : x) - offset) * scale;
      }
    : (row: number) => {
        const x = source[row]!;
        return Number.isNaN(x) ? fill : x;
      };
  return { kind: 'dense', names: [column.name], value };
}

/** A date column: parsed with the fitted format, then each feature imputed and scaled like a number column. */
function applyDate(fitted: FittedDateColumn, column: StringColumn, nullCounts: NullCount[], context: ApplyContext): FeatureBlock[] {
  const format = compileDateFormat(fitted.format ?? undefined, fitted.name, context.location);
  const parsed = parseDateColumn({
    column,
    format,
    missingValues: fitted.missingValues,
    rowNumbers: context.rowNumbers,
    location: context.location,
    field: column.name,
  });
  return fitted.features.map((feature) =>
    applyNumber(
      { name: feature.name, kind: 'number', impute: feature.impute, scale: feature.scale, ...(feature.keepMissing ? { keepMissing: true as const } : {}) },
      { name: feature.name, kind: 'number', values: dateFeatureValues(parsed, feature.feature) },
      nullCounts,
      context,
      column.name,
    ),
  );
}

function applyString(fitted: FittedStringColumn, column: StringColumn, nullCounts: NullCount[], context: ApplyContext): FeatureBlock {
  const { encode } = fitted;
  const index = new Map(encode.categories.map((category, i) => [category, i]));
  const markers = new Set(['', ...fitted.missingValues]);
  const fill = fitted.impute?.value ?? null;
  const codes = categoryCodes(encode.categories.length, column.values.length);
  let before = 0;
  let after = 0;
  const unseenRows: number[] = [];
  const unseenValues = new Set<string>();
  for (let i = 0; i < codes.length; i++) {
    let value = column.values[i] ?? null;
    if (value === null || markers.has(value)) {
      before++;
      value = fill;
      if (value === null) after++;
    }
    const code = value === null ? undefined : index.get(value);
    if (code !== undefined) codes[i] = code;
    else {
      codes[i] = -1;
      if (encode.unseen === 'error') {
        unseenRows.push(context.rowNumbers[i]!);
        if (unseenValues.size < 5) unseenValues.add(value === null ? '(missing)' : JSON.stringify(value));
      }
    }
  }
  nullCounts.push({ column: column.name, before, after });
  if (unseenRows.length) {
    throw new DataError(
      `Column '${column.name}' has values that are not fitted categories: ${[...unseenValues].join(', ')} in ${describeRows(unseenRows)} (categories: ${encode.categories.map((c) => JSON.stringify(c)).join(', ')})`,
      {
        ...context.location,
        field: column.name,
        hint: `Declare the categories ("categories": { "${column.name}": [...] }), impute missing values, mark placeholders with "missingValues", or set "unseen": "ignore" to encode them as ${encode.method === 'onehot' ? 'all zeros' : `${encode.unknownValue}`}.`,
      },
    );
  }
  if (encode.method === 'onehot') return { kind: 'onehot', names: featureNamesOf(fitted) as string[], codes };
  const unknownValue = encode.unknownValue!;
  return { kind: 'dense', names: [column.name], value: (row) => (codes[row]! >= 0 ? codes[row]! : unknownValue) };
}

function encodeLabels(transform: FittedTransform, target: Column, context: ApplyContext): LabelValues {
  const rows = target.values.length;
  const classCount = transform.classes?.length ?? 0;
  const labels =
    transform.task === 'regression'
      ? new Float64Array(rows)
      : classCount <= 0x100
        ? new Uint8Array(rows)
        : classCount <= 0x10000
          ? new Uint16Array(rows)
          : new Uint32Array(rows);
  const badRows: number[] = [];
  const badValues = new Set<string>();
  if (transform.task === 'regression') {
    if (target.kind !== 'number') {
      throw new DataError(`The regression target '${target.name}' is a string column`, {
        ...context.location,
        field: 'target.column',
        hint: `Cast it with "casts": { "${target.name}": "number" }, or set "task": "classification".`,
      });
    }
    for (let i = 0; i < labels.length; i++) {
      const value = target.values[i]!;
      if (!Number.isFinite(value)) badRows.push(context.rowNumbers[i]!);
      labels[i] = value;
    }
  } else {
    const classIds = new Map(transform.classes!.map((name, id) => [name, id]));
    for (let i = 0; i < labels.length; i++) {
      const name = classNameAt(target, i);
      const id = name === null ? undefined : classIds.get(name);
      if (id === undefined) {
        badRows.push(context.rowNumbers[i]!);
        if (badValues.size < 5) badValues.add(name === null ? '(missing)' : JSON.stringify(name));
      } else labels[i] = id;
    }
  }
  if (badRows.length) {
    const what = transform.task === 'regression' ? 'missing or non-finite values' : `values that are not fitted classes (${[...badValues].join(', ')})`;
    throw new DataError(`The target '${target.name}' has ${what} in ${describeRows(badRows)}`, {
      ...context.location,
      field: 'target.column',
      hint:
        transform.task === 'regression'
          ? `Drop those rows with a filter { "op": "notNull", "column": "${target.name}" }.`
          : `Drop those rows with a filter, declare "classes" in the target, or stratify by '${target.name}' so every class is in the training split (classes: ${transform.classes!.join(', ')}).`,
    });
  }
  return labels;
}

/** The class name of a target value: the string itself, or a number's shortest round-trip text; null when missing. */
function classNameAt(target: Column, row: number): string | null {
  if (target.kind === 'string') return target.values[row] ?? null;
  const value = target.values[row]!;
  return Number.isNaN(value) ? null : classNameOf(value);
}
