import { type Column, DataError, type Table } from '@reproml/core';
import { applyTransform, type LabelValues, type TransformedRows } from './apply-transform';
import { castColumns } from './cast-columns';
import { checkFiniteNumbers } from './check-finite-numbers';
import type { ResolvedColumns } from './column-selector';
import { type FilterReport, filterRows } from './filter-rows';
import { fitTransform } from './fit-transform';
import type { FittedTransform } from './fitted-transform';
import { markMissingValues, resolveMissingValues } from './mark-missing-values';
import { requireColumn } from './require-column';
import { runCustomTransforms } from './run-custom-transforms';
import { selectColumns } from './select-columns';
import { type SplitRows, splitRows } from './split-rows';
import type { StageLocation } from './stage-location';
import type { TransformSpec } from './transform-spec';

export interface PreprocessTableParams {
  table: Table;
  spec: TransformSpec;
  seed: number;
  location: StageLocation;
  /** Absolute stage folder; needed only when the spec has custom transforms. */
  stageDir?: string;
  log?: (message: string) => void;
  /** Called with each custom transform module before it runs (e.g. to record it as an input). */
  onCustomModule?: (absolutePath: string) => Promise<void>;
  /** Called as each step starts (for progress phases). */
  onStep?: (step: 'prepare' | 'split' | 'fit' | 'apply') => void;
}

export interface PreprocessResult {
  transform: FittedTransform;
  /** Rows of each split, as indices into `features`/`target` (ascending: file order). */
  splits: SplitRows;
  /** Every kept row transformed with the training statistics. */
  transformed: TransformedRows & { labels: LabelValues };
  /** The raw feature columns and the target over the kept rows (what `<split>.raw.csv` holds). */
  features: Column[];
  target: Column;
  /** Input-file row (0-based) of each kept row. */
  rowNumbers: Uint32Array;
  input: { rows: number; columns: number };
  filters: FilterReport[];
}

/**
 * The whole preprocess computation on typed arrays: casts, missing-value markers, custom
 * transforms, filters, column selection, the seeded split, fitting on the training rows,
 * and applying the fitted transform to every row. Writes nothing.
 */
export async function preprocessTable(params: PreprocessTableParams): Promise<PreprocessResult> {
  const { spec } = params;
  let location = params.location;
  const input = { rows: params.table.rowCount, columns: params.table.columns.length };
  params.onStep?.('prepare');
  let rowNumbers: Uint32Array = new Uint32Array(params.table.rowCount);
  for (let i = 0; i < rowNumbers.length; i++) rowNumbers[i] = i;

  // Every `columns` field (and glob key) resolved against the data, in step order: recorded in transform.json.
  const resolved: ResolvedColumns[] = [];
  let table = castColumns({ table: params.table, casts: spec.casts, rowNumbers, location, resolved });
  const missingValues = resolveMissingValues({ table, missingValues: spec.missingValues, location, resolved });
  table = markMissingValues({ table, missingValues, location });
  if (spec.custom.length) {
    if (!params.stageDir) throw new TypeError('preprocessTable needs stageDir to run custom transforms');
    table = await runCustomTransforms({
      table,
      transforms: spec.custom,
      stageDir: params.stageDir,
      seed: params.seed,
      rowNumbers,
      location,
      log: params.log ?? (() => undefined),
      onModule: params.onCustomModule,
    });
    // From here on, columns can come from the custom transforms too: hints must not say they are in the data file.
    if (location.input) location = { ...location, input: `${location.input} after the custom transforms` };
  }
  checkFiniteNumbers({ table, rowNumbers, location });
  const filtered = filterRows({ table, rowNumbers, filters: spec.filters, location, resolved });
  table = filtered.table;
  rowNumbers = filtered.rowNumbers;
  if (table.rowCount === 0) {
    throw new DataError(`No rows are left after the filters (${input.rows} rows read)`, {
      ...location,
      field: 'filters',
      hint: `Rows dropped per filter: ${filtered.reports.map((r) => `${r.filter}: ${r.rowsDropped}`).join('; ')}.`,
    });
  }
  const { features, target } = selectColumns({ table, select: spec.columns.select, drop: spec.columns.drop, target: spec.target.column, location, resolved });
  checkColumnsHaveValues(features, table.rowCount, location);

  params.onStep?.('split');
  const stratify = spec.split.stratify
    ? requireColumn({ table, name: spec.split.stratify, field: 'split.stratify', location, when: 'after the filters' })
    : undefined;
  const splits = splitRows({
    rowCount: table.rowCount,
    fractions: { train: spec.split.train, validation: spec.split.validation, test: spec.split.test },
    seed: params.seed,
    stratify,
    rowNumbers,
    location,
  });

  params.onStep?.('fit');
  const transform = fitTransform({
    features,
    target,
    trainRows: splits.train,
    spec: { ...spec, missingValues },
    rowNumbers,
    location,
    resolvedColumns: resolved,
  });

  params.onStep?.('apply');
  const transformed = applyTransform({ transform, table: { columns: [...features, target], rowCount: table.rowCount }, rowNumbers, location });
  return {
    transform,
    splits,
    transformed: transformed as TransformedRows & { labels: LabelValues },
    features,
    target,
    rowNumbers,
    input,
    filters: filtered.reports,
  };
}

/** A feature column with no value at all cannot be fitted or learned from: say so before splitting. */
function checkColumnsHaveValues(columns: readonly Column[], rowCount: number, location: StageLocation): void {
  for (const column of columns) {
    let present = false;
    for (let i = 0; i < rowCount && !present; i++) {
      const value = column.values[i];
      present = column.kind === 'number' ? !Number.isNaN(value as number) : value !== null;
    }
    if (!present) {
      throw new DataError(`Column '${column.name}' has no values: all ${rowCount} rows are missing (after the filters)`, {
        ...location,
        field: column.name,
        hint: `Drop it with "columns": { "drop": ["${column.name}"] }, or check the input file and its missing-value markers.`,
      });
    }
  }
}
