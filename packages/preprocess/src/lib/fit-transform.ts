import { type Column, ConfigError, DataError, type NumberColumn, type StringColumn } from '@reproml/core';
import { type ColumnsSpec, columnType, type ResolvedColumns, resolveColumnEntries } from './column-selector';
import {
  mean,
  median,
  minMax,
  mostFrequentNumber,
  mostFrequentString,
  presentNumbers,
  standardDeviation,
  stringCounts,
  trainValues,
  type ValueSequence,
} from './column-statistics';
import { compareCodePoints } from './compare-code-points';
import { dateFeatureName } from './date-features';
import { compileDateFormat, type DateFormat } from './date-format';
import {
  FITTED_TRANSFORM_VERSION,
  type FittedColumn,
  type FittedDateColumn,
  type FittedEncoding,
  type FittedNumberColumn,
  type FittedScale,
  type FittedTransform,
} from './fitted-transform';
import { onnxInputNames } from './onnx-input-names';
import { dateFeatureValues, parseDateColumn } from './parse-date-column';
import type { StageLocation } from './stage-location';
import type { DateRule, EncodeRule, ImputeRule, ScaleRule, TransformSpec } from './transform-spec';

export interface FitTransformParams {
  /** The raw feature columns over all rows (after casts, custom transforms, filters, selection). */
  features: readonly Column[];
  target: Column;
  /** Rows of the training split: the only rows any statistic is computed from. */
  trainRows: Uint32Array;
  spec: Pick<TransformSpec, 'target' | 'impute' | 'encode' | 'scale' | 'missingValues'> & Partial<Pick<TransformSpec, 'keepMissing' | 'dates'>>;
  /** Input-file row of each table row (0-based), for messages. */
  rowNumbers: ArrayLike<number>;
  location: StageLocation;
  /** Columns that earlier steps' selectors resolved to (filters, columns.select/drop), recorded with this step's. */
  resolvedColumns?: readonly ResolvedColumns[];
}

interface RuleRef<R> {
  rule: R;
  field: string;
}

/**
 * Fits the transform on the training rows only: imputation values, categories, scaling
 * statistics and classes. The result is everything `applyTransform` and the ONNX export
 * need, so validation, test and new data are transformed with training statistics alone.
 */
export function fitTransform(params: FitTransformParams): FittedTransform {
  const { features, spec } = params;
  const resolved: ResolvedColumns[] = [...(params.resolvedColumns ?? [])];
  const rules = indexRules(params, resolved);
  const names = onnxInputNames(features.map((column) => column.name));
  const columns = features.map((column) => fitColumn(column, rules, params));
  return {
    schemaVersion: FITTED_TRANSFORM_VERSION,
    task: spec.target.task,
    target: params.target.name,
    ...(spec.target.task === 'classification' ? { classes: fitClasses(params), classKind: params.target.kind } : {}),
    rawInputs: features.map((column, i) => ({ name: column.name, kind: column.kind, onnxName: names[i]! })),
    columns,
    featureNames: columns.flatMap(featureNamesOf),
    fittedOn: { split: 'train', rows: params.trainRows.length },
    resolvedColumns: resolved,
  };
}

type RuleIndex = {
  impute: Map<string, RuleRef<ImputeRule>>;
  encode: Map<string, RuleRef<EncodeRule>>;
  scale: Map<string, RuleRef<ScaleRule>>;
  dates: Map<string, RuleRef<DateRule> & { format: DateFormat }>;
};

/**
 * Resolves each rule's columns among the feature columns (date rules first, so `{ "type":
 * "date" }` and `{ "type": "string" }` elsewhere see the columns they parse) and indexes the
 * rules by column; a column two rules of one step select is a ConfigError naming both.
 */
function indexRules(params: FitTransformParams, resolved: ResolvedColumns[]): RuleIndex {
  const { spec, location } = params;
  const table = { columns: [...params.features], rowCount: params.target.values.length };
  const when = 'among the feature columns (after columns.select/drop)';
  const dateColumns = new Set<string>();
  const byColumn = <R extends { columns: ColumnsSpec }>(step: string, list: readonly R[]) => {
    const map = new Map<string, RuleRef<R>>();
    list.forEach((rule, r) => {
      const rulesField = `${step}[${r}].columns`;
      for (const { name, field } of resolveColumnEntries({ spec: rule.columns, field: rulesField, table, location, when, dateColumns, record: resolved })) {
        const previous = map.get(name);
        if (previous) {
          throw new ConfigError(`Column '${name}' is selected by ${previous.field} and by ${field}; one ${step} rule per column`, {
            ...location,
            field,
            hint: `Narrow one of the selectors, e.g. with { "except": ["${name}"] }.`,
          });
        }
        map.set(name, { rule, field });
      }
    });
    return map;
  };
  const dateRules = byColumn<DateRule>('dates', spec.dates ?? []);
  const dates = new Map(
    [...dateRules].map(([name, ref]) => [
      name,
      { ...ref, format: compileDateFormat(ref.rule.format, ref.field.replace(/\.columns(\[\d+\])?$/, '.format'), location) },
    ]),
  );
  for (const name of dates.keys()) dateColumns.add(name);
  const index = {
    impute: byColumn<ImputeRule>('impute', spec.impute),
    encode: byColumn<EncodeRule>('encode', spec.encode),
    scale: byColumn<ScaleRule>('scale', spec.scale),
    dates,
  };
  checkEncodeCategories(index.encode, location);
  return index;
}

/** `categories` may only name columns its rule encodes (for rules with selectors this is known only now). */
function checkEncodeCategories(encode: Map<string, RuleRef<EncodeRule>>, location: StageLocation): void {
  const encodedBy = new Map<EncodeRule, string[]>();
  for (const [name, { rule }] of encode) encodedBy.set(rule, [...(encodedBy.get(rule) ?? []), name]);
  for (const [rule, names] of encodedBy) {
    const field = [...encode.values()].find((ref) => ref.rule === rule)!.field.replace(/\.columns(\[\d+\])?$/, '.categories');
    for (const column of Object.keys(rule.categories)) {
      if (!names.includes(column)) {
        throw new ConfigError(`${field} gives categories for '${column}', which this rule does not encode (it encodes: ${names.join(', ')})`, {
          ...location,
          field: `${field}.${column}`,
          hint: `Add '${column}' to the rule's columns or remove its categories.`,
        });
      }
    }
  }
}

function fitColumn(column: Column, rules: RuleIndex, params: FitTransformParams): FittedColumn {
  const date = rules.dates.get(column.name);
  if (date) return fitDateColumn(column, date, rules, params);
  return column.kind === 'number' ? fitNumberColumn(column, rules, params) : fitStringColumn(column, rules, params);
}

function fitNumberColumn(column: NumberColumn, rules: RuleIndex, params: FitTransformParams): FittedColumn {
  const encode = rules.encode.get(column.name);
  if (encode) {
    const example = firstPresent(column, params);
    throw new DataError(
      `Column '${column.name}' is encoded as a category (${encode.field}) but holds numbers${example ? `, e.g. ${example.value} in row ${example.row + 1}` : ''}`,
      {
        ...params.location,
        field: encode.field,
        hint: `Categories must be strings: cast the column with "casts": { "${column.name}": "string" }, or scale it as a number instead.`,
      },
    );
  }
  return { name: column.name, kind: 'number', ...fitNumbers(column.name, column.values, rules.impute.get(column.name), rules.scale.get(column.name), params) };
}

/** Impute and scale statistics of one number feature (a number column or a date feature). */
function fitNumbers(
  name: string,
  values: Float64Array,
  imputeRef: RuleRef<ImputeRule> | undefined,
  scaleRef: RuleRef<ScaleRule> | undefined,
  params: FitTransformParams,
): { impute: FittedNumberColumn['impute']; scale: FittedScale | null; keepMissing?: true } {
  // The training values are visited in place (no copy of the column), except where the statistic sorts or counts them.
  const present = trainValues(values, params.trainRows);
  let impute: { strategy: ImputeRule['strategy']; value: number } | null = null;
  if (imputeRef) {
    const { rule, field } = imputeRef;
    if (rule.strategy === 'constant') {
      if (typeof rule.value !== 'number') {
        throw new ConfigError(`${field}: '${name}' is a number column, so the constant fill value should be a number, not ${JSON.stringify(rule.value)}`, {
          ...params.location,
          field: field.replace(/\.columns(\[\d+\])?$/, '.value'),
          hint: 'Write the value as a number, or use a separate impute rule for string columns.',
        });
      }
      impute = { strategy: 'constant', value: rule.value };
    } else {
      if (!present.count) throw allMissingInTrain(name, params, field);
      const value =
        rule.strategy === 'mean'
          ? mean(present)
          : rule.strategy === 'median'
            ? median(presentNumbers(values, params.trainRows))
            : mostFrequentNumber(presentNumbers(values, params.trainRows));
      impute = { strategy: rule.strategy, value };
    }
  }
  let scale: FittedScale | null = null;
  if (scaleRef) {
    const imputed = imputeRef ? trainValues(values, params.trainRows, impute!.value) : present;
    if (!imputed.count) throw allMissingInTrain(name, params, scaleRef.field);
    scale = fitScale(scaleRef.rule.method, imputed);
  }
  return { impute, scale, ...(!impute && params.spec.keepMissing ? { keepMissing: true as const } : {}) };
}

/** A date column: parsed on every row (a value that is not a date fails), each feature fitted like a number column. */
function fitDateColumn(column: Column, ref: RuleRef<DateRule> & { format: DateFormat }, rules: RuleIndex, params: FitTransformParams): FittedDateColumn {
  const { location } = params;
  if (column.kind !== 'string') {
    throw new ConfigError(`${ref.field}: '${column.name}' is a number column; a dates rule parses text`, {
      ...location,
      field: ref.field,
      hint: `Cast it with "casts": { "${column.name}": "string" } if it holds dates written as numbers, or leave it out of the dates rule.`,
    });
  }
  const encode = rules.encode.get(column.name);
  if (encode) {
    throw new ConfigError(`'${column.name}' is parsed as a date (${ref.field}) and encoded as a category (${encode.field})`, {
      ...location,
      field: encode.field,
      hint: 'A column is either encoded or parsed as a date: leave it out of one of the two rules.',
    });
  }
  const missingValues = [...(params.spec.missingValues[column.name] ?? [])];
  const parsed = parseDateColumn({ column, format: ref.format, missingValues, rowNumbers: params.rowNumbers, location, field: ref.field });
  const features = ref.rule.features.map((feature) => {
    const name = dateFeatureName(column.name, feature);
    const values = dateFeatureValues(parsed, feature);
    return { feature, name, ...fitNumbers(name, values, rules.impute.get(column.name), rules.scale.get(column.name), params) };
  });
  return { name: column.name, kind: 'date', format: ref.format.kind === 'iso' ? null : ref.format.format, missingValues, features };
}

function fitStringColumn(column: StringColumn, rules: RuleIndex, params: FitTransformParams): FittedColumn {
  const { location } = params;
  const scaleRef = rules.scale.get(column.name);
  if (scaleRef) {
    throw new ConfigError(`${scaleRef.field}: '${column.name}' is a string column${textExample(column, location.input)}; only number columns are scaled`, {
      ...location,
      field: scaleRef.field,
      hint: `Encode it instead (e.g. "encode": [{ "columns": ["${column.name}"], "method": "ordinal" }]) or cast it to number.`,
    });
  }
  const encodeRef = rules.encode.get(column.name);
  if (!encodeRef) {
    throw new ConfigError(`'${column.name}' is a string column${textExample(column, location.input)} with no encode rule`, {
      ...location,
      field: 'encode',
      hint:
        columnType(column) === 'date'
          ? `It holds dates: derive number features with "dates": [{ "columns": ["${column.name}"], "features": ["year", "month", "day", "dayOfWeek"] }], or drop it with "columns": { "drop": ["${column.name}"] }.`
          : `Add it to an encode rule (e.g. { "columns": ["${column.name}"], "method": "onehot" }), drop it with "columns": { "drop": ["${column.name}"] }, or cast it to number.`,
    });
  }
  // Missing-value markers are missing here too, so fitTransform gives the same result on unmarked data.
  const markers = new Set(['', ...(params.spec.missingValues[column.name] ?? [])]);
  const counts = stringCounts(column.values, params.trainRows);
  for (const marker of markers) counts.delete(marker);
  const imputeRef = rules.impute.get(column.name);
  let impute: { strategy: 'most_frequent' | 'constant'; value: string } | null = null;
  if (imputeRef) {
    const { rule, field } = imputeRef;
    if (rule.strategy === 'mean' || rule.strategy === 'median') {
      throw new ConfigError(`${field}: '${column.name}' is a string column; strategy '${rule.strategy}' needs numbers`, {
        ...location,
        field: field.replace(/\.columns(\[\d+\])?$/, '.strategy'),
        hint: 'Use "most_frequent" or "constant" for string columns.',
      });
    }
    if (rule.strategy === 'constant') {
      if (typeof rule.value !== 'string' || rule.value === '') {
        throw new ConfigError(
          `${field}: '${column.name}' is a string column, so the constant fill value should be a non-empty string, not ${JSON.stringify(rule.value)}`,
          {
            ...location,
            field: field.replace(/\.columns(\[\d+\])?$/, '.value'),
            hint: `Write the value as a string, e.g. "UNKNOWN".`,
          },
        );
      }
      impute = { strategy: 'constant', value: rule.value };
    } else {
      const value = mostFrequentString(counts);
      if (value === undefined) throw allMissingInTrain(column.name, params, field);
      impute = { strategy: 'most_frequent', value };
    }
  }
  const { rule, field } = encodeRef;
  let categories = rule.categories[column.name];
  if (!categories) {
    const seen = new Set(counts.keys());
    if (impute && countMissing(column, params.trainRows, markers) > 0) seen.add(impute.value);
    categories = [...seen].sort(compareCodePoints);
    if (!categories.length) throw allMissingInTrain(column.name, params, field);
  }
  const encode: FittedEncoding = {
    method: rule.method,
    categories: [...categories],
    unseen: rule.unseen,
    ...(rule.method === 'ordinal' ? { unknownValue: rule.unknownValue } : {}),
  };
  return {
    name: column.name,
    kind: 'string',
    missingValues: [...(params.spec.missingValues[column.name] ?? [])],
    impute,
    encode,
  };
}

function fitScale(method: ScaleRule['method'], values: ValueSequence): FittedScale {
  if (method === 'standard') {
    const center = mean(values);
    const std = standardDeviation(values, center);
    // A constant column keeps unit scale instead of dividing by zero (as scikit-learn does).
    return { method, offset: center, scale: std > 0 ? 1 / std : 1, statistics: { mean: center, std } };
  }
  const { min, max } = minMax(values);
  const range = max - min;
  return { method, offset: min, scale: range > 0 ? 1 / range : 1, statistics: { min, max } };
}

function countMissing(column: StringColumn, rows: Uint32Array, markers: Set<string>): number {
  let missing = 0;
  for (let i = 0; i < rows.length; i++) {
    const value = column.values[rows[i]!] ?? null;
    if (value === null || markers.has(value)) missing++;
  }
  return missing;
}

function fitClasses(params: FitTransformParams): string[] {
  const { target, spec } = params;
  if (spec.target.classes) return [...spec.target.classes];
  if (target.kind === 'number') return numberClasses(target, params.trainRows);
  return [...stringCounts(target.values, params.trainRows).keys()].sort(compareCodePoints);
}

/**
 * The classes of a number target: its distinct training values in numeric order, named by
 * their shortest round-trip text (`classNameOf`), so labels stay the data's values.
 */
function numberClasses(target: NumberColumn, rows: Uint32Array): string[] {
  const values = new Set<number>();
  for (let i = 0; i < rows.length; i++) {
    const value = target.values[rows[i]!]!;
    if (!Number.isNaN(value)) values.add(value);
  }
  return [...values].sort((a, b) => a - b).map(classNameOf);
}

/** The class name of a number target value: JavaScript's shortest round-trip text (3 → "3", 0.5 → "0.5", -0 → "0"). */
export function classNameOf(value: number): string {
  return String(value);
}

/** The names of the features a fitted column produces, in order. */
export function featureNamesOf(column: FittedColumn): string[] {
  if (column.kind === 'date') return column.features.map((feature) => feature.name);
  if (column.kind === 'number' || column.encode.method === 'ordinal') return [column.name];
  return column.encode.categories.map((category) => `${column.name}=${category}`);
}

function allMissingInTrain(name: string, params: FitTransformParams, field: string): DataError {
  return new DataError(
    `Column '${name}' has no values in the training split (all ${params.trainRows.length} training rows are missing), so nothing can be fitted`,
    {
      ...params.location,
      field,
      hint: `Drop the column ("columns": { "drop": ["${name}"] }), or impute it with a constant.`,
    },
  );
}

function firstPresent(column: NumberColumn, params: FitTransformParams): { value: number; row: number } | undefined {
  for (let i = 0; i < column.values.length; i++) {
    if (!Number.isNaN(column.values[i]!)) return { value: column.values[i]!, row: params.rowNumbers[i]! };
  }
  return undefined;
}

/**
 * ` (it holds "abc" in row 2)` when a column that is mostly numbers became a string column
 * because of a few texts: the usual cause of a string column where numbers were expected.
 */
function textExample(column: StringColumn, input: string | undefined): string {
  let numbers = 0;
  let firstText: number | undefined;
  for (let row = 0; row < column.values.length; row++) {
    const value = column.values[row];
    if (value == null || value.trim() === '') continue;
    if (Number.isFinite(Number(value))) numbers++;
    else firstText ??= row;
  }
  if (firstText === undefined || numbers === 0) return '';
  return ` (its other values are numbers, but it holds ${JSON.stringify(column.values[firstText]!.slice(0, 40))} in row ${firstText + 1}${input ? ` of ${input}` : ''})`;
}
