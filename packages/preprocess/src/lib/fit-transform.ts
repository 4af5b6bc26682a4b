import { type Column, ConfigError, DataError, type NumberColumn, type StringColumn } from '@reproml/core';
import { mean, median, minMax, mostFrequentNumber, mostFrequentString, presentNumbers, standardDeviation, stringCounts } from './column-statistics';
import { compareCodePoints } from './compare-code-points';
import { FITTED_TRANSFORM_VERSION, type FittedColumn, type FittedEncoding, type FittedScale, type FittedTransform } from './fitted-transform';
import { onnxInputNames } from './onnx-input-names';
import { requireColumn } from './require-column';
import type { StageLocation } from './stage-location';
import type { EncodeRule, ImputeRule, ScaleRule, TransformSpec } from './transform-spec';

export interface FitTransformParams {
  /** The raw feature columns over all rows (after casts, custom transforms, filters, selection). */
  features: readonly Column[];
  target: Column;
  /** Rows of the training split: the only rows any statistic is computed from. */
  trainRows: Uint32Array;
  spec: Pick<TransformSpec, 'target' | 'impute' | 'encode' | 'scale' | 'missingValues'> & Partial<Pick<TransformSpec, 'keepMissing'>>;
  /** Input-file row of each table row (0-based), for messages. */
  rowNumbers: ArrayLike<number>;
  location: StageLocation;
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
  const { features, spec, location } = params;
  const rules = indexRules(params);
  const names = onnxInputNames(features.map((column) => column.name));
  const columns = features.map((column) => fitColumn(column, rules, params));
  return {
    schemaVersion: FITTED_TRANSFORM_VERSION,
    task: spec.target.task,
    target: params.target.name,
    ...(spec.target.task === 'classification' ? { classes: fitClasses(params) } : {}),
    rawInputs: features.map((column, i) => ({ name: column.name, kind: column.kind, onnxName: names[i]! })),
    columns,
    featureNames: columns.flatMap(featureNamesOf),
    fittedOn: { split: 'train', rows: params.trainRows.length },
  };

  function indexRules(p: FitTransformParams) {
    const table = { columns: [...p.features], rowCount: p.target.values.length };
    const when = 'among the feature columns (after columns.select/drop)';
    const byColumn = <R extends { columns: string[] }>(step: string, list: readonly R[]) => {
      const map = new Map<string, RuleRef<R>>();
      list.forEach((rule, r) =>
        rule.columns.forEach((name, c) => {
          const field = `${step}[${r}].columns[${c}]`;
          requireColumn({ table, name, field, location, when });
          map.set(name, { rule, field });
        }),
      );
      return map;
    };
    return {
      impute: byColumn<ImputeRule>('impute', spec.impute),
      encode: byColumn<EncodeRule>('encode', spec.encode),
      scale: byColumn<ScaleRule>('scale', spec.scale),
    };
  }
}

type RuleIndex = {
  impute: Map<string, RuleRef<ImputeRule>>;
  encode: Map<string, RuleRef<EncodeRule>>;
  scale: Map<string, RuleRef<ScaleRule>>;
};

function fitColumn(column: Column, rules: RuleIndex, params: FitTransformParams): FittedColumn {
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
  const present = presentNumbers(column.values, params.trainRows);
  const imputeRef = rules.impute.get(column.name);
  let impute: { strategy: ImputeRule['strategy']; value: number } | null = null;
  if (imputeRef) {
    const { rule, field } = imputeRef;
    if (rule.strategy === 'constant') {
      if (typeof rule.value !== 'number') {
        throw new ConfigError(
          `${field}: '${column.name}' is a number column, so the constant fill value should be a number, not ${JSON.stringify(rule.value)}`,
          {
            ...params.location,
            field: field.replace(/\.columns\[\d+\]$/, '.value'),
            hint: 'Write the value as a number, or use a separate impute rule for string columns.',
          },
        );
      }
      impute = { strategy: 'constant', value: rule.value };
    } else {
      if (!present.length) throw allMissingInTrain(column, params, field);
      const value = rule.strategy === 'mean' ? mean(present) : rule.strategy === 'median' ? median(present) : mostFrequentNumber(present);
      impute = { strategy: rule.strategy, value };
    }
  }
  const scaleRef = rules.scale.get(column.name);
  let scale: FittedScale | null = null;
  if (scaleRef) {
    const imputed = imputeRef ? imputedTrainValues(column, params.trainRows, impute!.value) : present;
    if (!imputed.length) throw allMissingInTrain(column, params, scaleRef.field);
    scale = fitScale(scaleRef.rule.method, imputed);
  }
  return { name: column.name, kind: 'number', impute, scale, ...(!impute && params.spec.keepMissing ? { keepMissing: true as const } : {}) };
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
      hint: `Add it to an encode rule (e.g. { "columns": ["${column.name}"], "method": "onehot" }), drop it with "columns": { "drop": ["${column.name}"] }, or cast it to number.`,
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
        field: field.replace(/\.columns\[\d+\]$/, '.strategy'),
        hint: 'Use "most_frequent" or "constant" for string columns.',
      });
    }
    if (rule.strategy === 'constant') {
      if (typeof rule.value !== 'string' || rule.value === '') {
        throw new ConfigError(
          `${field}: '${column.name}' is a string column, so the constant fill value should be a non-empty string, not ${JSON.stringify(rule.value)}`,
          {
            ...location,
            field: field.replace(/\.columns\[\d+\]$/, '.value'),
            hint: `Write the value as a string, e.g. "UNKNOWN".`,
          },
        );
      }
      impute = { strategy: 'constant', value: rule.value };
    } else {
      const value = mostFrequentString(counts);
      if (value === undefined) throw allMissingInTrain(column, params, field);
      impute = { strategy: 'most_frequent', value };
    }
  }
  const { rule, field } = encodeRef;
  let categories = rule.categories[column.name];
  if (!categories) {
    const seen = new Set(counts.keys());
    if (impute && countMissing(column, params.trainRows, markers) > 0) seen.add(impute.value);
    categories = [...seen].sort(compareCodePoints);
    if (!categories.length) throw allMissingInTrain(column, params, field);
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

function fitScale(method: ScaleRule['method'], values: Float64Array): FittedScale {
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

function imputedTrainValues(column: NumberColumn, rows: Uint32Array, fill: number): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const value = column.values[rows[i]!]!;
    out[i] = Number.isNaN(value) ? fill : value;
  }
  return out;
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
  if (column.kind === 'number' || column.encode.method === 'ordinal') return [column.name];
  return column.encode.categories.map((category) => `${column.name}=${category}`);
}

function allMissingInTrain(column: Column, params: FitTransformParams, field: string): DataError {
  return new DataError(
    `Column '${column.name}' has no values in the training split (all ${params.trainRows.length} training rows are missing), so nothing can be fitted`,
    {
      ...params.location,
      field,
      hint: `Drop the column ("columns": { "drop": ["${column.name}"] }), or impute it with a constant.`,
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
