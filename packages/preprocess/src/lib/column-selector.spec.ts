import { ConfigError, parseConfig, type Table } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { tableFromRecords } from '../testing/penguins';
import { columnType, resolveColumns } from './column-selector';
import { exportTransformOnnx } from './export-transform-onnx';
import { preprocessStageConfigSchema } from './preprocess-stage-config';
import { preprocessTable } from './preprocess-table';

const location = { stage: 'wide-preprocess', file: 'pipelines/wide/preprocess/stage.json' };

/** 12 rows: an id, three pixel columns (one with a gap), two text columns, a date column and the target. */
function wideTable(extra: Record<string, unknown> = {}): Table {
  return tableFromRecords(
    Array.from({ length: 12 }, (_, i) => ({
      id: `row-${i}`,
      pixel_0: i,
      pixel_1: i % 3 === 0 ? null : i * 2,
      pixel_2: 10 - i,
      colour: ['red', 'green', 'blue'][i % 3],
      shape: i % 2 ? 'round' : 'square',
      seen: `2024-01-${String(i + 1).padStart(2, '0')}`,
      ...extra,
      label: i % 2 ? 'a' : 'b',
    })),
  );
}

function spec(fields: Record<string, unknown>) {
  return parseConfig({
    schema: preprocessStageConfigSchema,
    value: { kind: 'preprocess', inputs: { dataset: 'data' }, target: { column: 'label' }, split: { train: 1, validation: 0, test: 0 }, ...fields },
    ...location,
  });
}

async function run(table: Table, fields: Record<string, unknown>) {
  return preprocessTable({ table, spec: spec(fields), seed: 1, location });
}

async function configError(table: Table, fields: Record<string, unknown>): Promise<ConfigError> {
  try {
    await run(table, fields);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const TYPICAL = {
  columns: { drop: ['id'] },
  dates: [{ columns: { type: 'date' }, features: ['month', 'dayOfWeek'] }],
  impute: [{ columns: { type: 'number' }, strategy: 'median' }],
  scale: [{ columns: 'pixel_*', method: 'standard' }],
  encode: [{ columns: { type: 'string' } }],
};

describe('column selectors', () => {
  it('resolve by type, glob pattern and except, and record every resolved list in transform.json', async () => {
    const result = await run(wideTable(), TYPICAL);
    expect(result.transform.rawInputs.map((input) => input.name)).toEqual(['pixel_0', 'pixel_1', 'pixel_2', 'colour', 'shape', 'seen']);
    expect(result.transform.resolvedColumns).toEqual([
      { field: 'columns.drop', columns: ['id'] },
      { field: 'dates[0].columns', columns: ['seen'] },
      { field: 'impute[0].columns', columns: ['pixel_0', 'pixel_1', 'pixel_2'] },
      { field: 'encode[0].columns', columns: ['colour', 'shape'] },
      { field: 'scale[0].columns', columns: ['pixel_0', 'pixel_1', 'pixel_2'] },
    ]);
    expect(result.transform.featureNames).toEqual([
      'pixel_0',
      'pixel_1',
      'pixel_2',
      'colour=blue',
      'colour=green',
      'colour=red',
      'shape=round',
      'shape=square',
      'seen.month',
      'seen.dayOfWeek',
    ]);
  });

  it('picks up a new column of the data through a selector, visibly in the resolved lists', async () => {
    const before = await run(wideTable(), TYPICAL);
    const after = await run(wideTable({ pixel_3: 4, size: 'xl' }), TYPICAL);
    const resolved = (result: typeof before, field: string) => result.transform.resolvedColumns!.find((entry) => entry.field === field)!.columns;
    expect(resolved(after, 'scale[0].columns')).toEqual(['pixel_0', 'pixel_1', 'pixel_2', 'pixel_3']);
    expect(resolved(after, 'encode[0].columns')).toEqual(['colour', 'shape', 'size']);
    expect(resolved(before, 'encode[0].columns')).toEqual(['colour', 'shape']);
  });

  it('selects with { except } and combined keys, names first in their order, duplicates once', async () => {
    const table = wideTable();
    const resolve = (value: unknown) => resolveColumns({ spec: value as never, field: 'f', table, location, when: 'in the table', exclude: ['label'] });
    expect(resolve({ except: ['id', 'seen', 'pixel_*'] })).toEqual(['colour', 'shape']);
    expect(resolve({ type: 'number', pattern: 'pixel_?', except: ['pixel_1'] })).toEqual(['pixel_0', 'pixel_2']);
    expect(resolve(['shape', 'pixel_*', 'pixel_0', { type: 'string' }])).toEqual(['shape', 'pixel_0', 'pixel_1', 'pixel_2', 'id', 'colour']);
    // the target is never matched by a selector
    expect(resolve({ type: 'string' })).toEqual(['id', 'colour', 'shape']);
    expect(columnType(table.columns.find((c) => c.name === 'seen')!)).toBe('date');
  });

  it('takes selectors in filters, columns.select and columns.drop', async () => {
    const table = wideTable();
    const result = await run(table, {
      filters: [{ op: 'dropMissing', columns: 'pixel_*', how: 'any' }],
      columns: { select: [{ type: 'number' }, 'colour'], drop: 'pixel_2' },
      impute: [{ columns: { type: 'number' }, strategy: 'mean' }],
      encode: [{ columns: ['colour'] }],
    });
    expect(result.filters).toEqual([{ filter: 'dropMissing(any of: pixel_0, pixel_1, pixel_2)', rowsDropped: 4 }]);
    expect(result.transform.rawInputs.map((input) => input.name)).toEqual(['pixel_0', 'pixel_1', 'colour']);
    expect(result.transform.resolvedColumns!.slice(0, 3)).toEqual([
      { field: 'filters[0].columns', columns: ['pixel_0', 'pixel_1', 'pixel_2'] },
      { field: 'columns.select', columns: ['pixel_0', 'pixel_1', 'pixel_2', 'colour'] },
      { field: 'columns.drop', columns: ['pixel_2'] },
    ]);
  });

  it('refuses a selector that matches nothing, naming the stage file, the field and the columns there are', async () => {
    const error = await configError(wideTable(), { ...TYPICAL, scale: [{ columns: ['pixel_0', 'pxl_*'], method: 'minmax' }] });
    expect(error.message).toMatch(/the pattern "pxl_\*" in scale\[0\]\.columns\[1\] matches no column among the feature columns/);
    expect(error.field).toBe('scale[0].columns[1]');
    expect(error.file).toBe(location.file);
    expect(error.stage).toBe(location.stage);
    expect(error.hint).toMatch(/'pixel_0' \(number\).*'colour' \(string\).*'seen' \(date\)/);

    const byType = await configError(tableFromRecords([{ a: 1, label: 'x' }]), { impute: [{ columns: { type: 'string' }, strategy: 'most_frequent' }] });
    expect(byType.field).toBe('impute[0].columns');
    expect(byType.message).toMatch(/the selector \{"type":"string"\} in impute\[0\]\.columns matches no column/);

    const except = await configError(wideTable(), { ...TYPICAL, encode: [{ columns: { type: 'string', except: ['colur'] } }] });
    expect(except.field).toBe('encode[0].columns.except[0]');
    expect(except.message).toMatch(/did you mean 'colour'/);
  });

  it('refuses a column that two rules of one step select', async () => {
    const error = await configError(wideTable(), {
      ...TYPICAL,
      impute: [
        { columns: { type: 'number' }, strategy: 'median' },
        { columns: ['pixel_1'], strategy: 'constant', value: 0 },
      ],
    });
    expect(error.message).toMatch(/Column 'pixel_1' is selected by impute\[0\]\.columns and by impute\[1\]\.columns\[0\]; one impute rule per column/);
    expect(error.field).toBe('impute[1].columns[0]');
  });

  it('give the same preprocess.onnx as the names they resolve to', async () => {
    const named = await run(wideTable(), {
      columns: { drop: ['id'] },
      dates: [{ columns: ['seen'], features: ['month', 'dayOfWeek'] }],
      impute: [{ columns: ['pixel_0', 'pixel_1', 'pixel_2'], strategy: 'median' }],
      scale: [{ columns: ['pixel_0', 'pixel_1', 'pixel_2'], method: 'standard' }],
      encode: [{ columns: ['colour', 'shape'] }],
    });
    const selected = await run(wideTable(), TYPICAL);
    expect(Buffer.from(exportTransformOnnx(selected.transform)).equals(Buffer.from(exportTransformOnnx(named.transform)))).toBe(true);
  });

  it('rejects an empty selector object and a misspelt selector key in the schema', () => {
    expect(() => spec({ impute: [{ columns: {}, strategy: 'median' }] })).toThrow(/needs "type", "pattern" or "except"/);
    expect(() => spec({ impute: [{ columns: { type: 'numbers' }, strategy: 'median' }] })).toThrow(ConfigError);
  });
});

describe('glob keys in casts and missingValues', () => {
  it('apply to every matching column (missingValues: text columns only) and are recorded', async () => {
    const table = wideTable({ code_b: 'x' });
    const result = await run(table, {
      casts: { 'pixel_?': 'string' },
      missingValues: { '*': ['NA', 'red'] },
      columns: { drop: ['id', 'seen'] },
      impute: [{ columns: { type: 'string' }, strategy: 'constant', value: 'none' }],
      encode: [{ columns: { type: 'string' } }],
    });
    expect(result.transform.rawInputs.map((input) => [input.name, input.kind])).toEqual([
      ['pixel_0', 'string'],
      ['pixel_1', 'string'],
      ['pixel_2', 'string'],
      ['colour', 'string'],
      ['shape', 'string'],
      ['code_b', 'string'],
    ]);
    expect(result.transform.resolvedColumns!.slice(0, 2)).toEqual([
      { field: 'casts.pixel_?', columns: ['pixel_0', 'pixel_1', 'pixel_2'] },
      { field: 'missingValues.*', columns: ['id', 'pixel_0', 'pixel_1', 'pixel_2', 'colour', 'shape', 'seen', 'code_b', 'label'] },
    ]);
    const colour = result.transform.columns.find((column) => column.name === 'colour')!;
    expect(colour).toMatchObject({ kind: 'string', missingValues: ['NA', 'red'], impute: { strategy: 'constant', value: 'none' } });
    expect(colour.kind === 'string' && colour.encode.categories).toEqual(['blue', 'green', 'none']);
  });

  it('refuse a glob that matches nothing and a column two keys name', async () => {
    const none = await configError(wideTable(), { ...TYPICAL, casts: { 'zip_*': 'string' } });
    expect(none.field).toBe('casts.zip_*');
    expect(none.message).toMatch(/The pattern "zip_\*" in casts matches no column/);
    const twice = await configError(wideTable(), { ...TYPICAL, missingValues: { colour: ['?'], 'col*': ['-'] } });
    expect(twice.message).toMatch(/Column 'colour' is named by missingValues.colour and by missingValues.col\*/);
  });
});
