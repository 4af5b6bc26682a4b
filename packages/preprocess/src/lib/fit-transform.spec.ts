import { type Column, ConfigError, DataError, stableStringify, type Table } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { tableFromRecords } from '../testing/penguins';
import { applyTransform, denseValues } from './apply-transform';
import { fitTransform } from './fit-transform';
import { transformSpecSchema } from './transform-spec';

const spec = transformSpecSchema.parse({
  target: { column: 'y' },
  impute: [
    { columns: ['x'], strategy: 'mean' },
    { columns: ['c'], strategy: 'most_frequent' },
  ],
  encode: [{ columns: ['c'], unseen: 'ignore' }],
  scale: [{ columns: ['x'], method: 'standard' }],
});

const records = [
  { x: 1, c: 'p', y: 'yes' },
  { x: 3, c: 'q', y: 'no' },
  { x: null, c: 'p', y: 'yes' },
  { x: 5, c: null, y: 'no' },
  // rows 4-5 are the held-out rows below
  { x: 1000, c: 'held-out-only', y: 'yes' },
  { x: -1000, c: 'held-out-only', y: 'no' },
];
const trainRows = Uint32Array.from([0, 1, 2, 3]);

function fit(table: Table) {
  const features = table.columns.filter((column) => column.name !== 'y');
  const target = table.columns.find((column) => column.name === 'y')!;
  return fitTransform({ features, target, trainRows, spec, rowNumbers: Uint32Array.from(records.keys()), location: {} });
}

describe('fitTransform', () => {
  it('fits every statistic on the training rows only', () => {
    const fitted = fit(tableFromRecords(records));
    const x = fitted.columns.find((column) => column.name === 'x')!;
    expect(x.kind === 'number' && x.impute).toEqual({ strategy: 'mean', value: 3 });
    // Scaling sees the imputed training values 1, 3, 3, 5: mean 3, population std sqrt(2).
    expect(x.kind === 'number' && x.scale).toMatchObject({ offset: 3, statistics: { mean: 3, std: Math.SQRT2 }, scale: 1 / Math.SQRT2 });
    const c = fitted.columns.find((column) => column.name === 'c')!;
    expect(c.kind === 'string' && c.encode.categories).toEqual(['p', 'q']);
    expect(c.kind === 'string' && c.impute).toEqual({ strategy: 'most_frequent', value: 'p' });
    expect(fitted.classes).toEqual(['no', 'yes']);
    expect(fitted.fittedOn).toEqual({ split: 'train', rows: 4 });
  });

  it('gives the same transform.json whatever the held-out rows hold', () => {
    const changed = records.map((record, row) => (row >= 4 ? { x: row * 1e6, c: `other-${row}`, y: 'yes' } : record));
    expect(stableStringify(fit(tableFromRecords(changed)))).toBe(stableStringify(fit(tableFromRecords(records))));
  });

  it('applies only the fitted statistics to held-out rows (unseen category → zeros under "ignore")', () => {
    const table = tableFromRecords(records);
    const fitted = fit(table);
    const out = applyTransform({ transform: fitted, table });
    const x = out.blocks[0]!;
    expect(x.kind === 'dense' && Array.from(denseValues(x, table.rowCount))).toEqual([1, 3, 3, 5, 1000, -1000].map((v) => (v - 3) / Math.SQRT2));
    const c = out.blocks[1]!;
    expect(c.kind === 'onehot' && Array.from(c.codes)).toEqual([0, 1, 0, 0, -1, -1]);
    expect(Array.from(out.labels!)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(out.nullCounts).toEqual([
      { column: 'x', before: 1, after: 0 },
      { column: 'c', before: 1, after: 0 },
    ]);
  });

  it('refuses to encode a number column as a category, naming the column and a value', () => {
    const table = tableFromRecords(records.map((r) => ({ ...r, c: 7 })));
    expect(() => fit(table)).toThrow(DataError);
    expect(() => fit(table)).toThrow(/Column 'c' is encoded as a category \(encode\[0\]\.columns\[0\]\) but holds numbers, e\.g\. 7 in row 1/);
  });

  it('fails on a column with no value in the training split', () => {
    const table = tableFromRecords(records.map((r, row) => ({ ...r, x: row < 4 ? null : 1 })));
    expect(() => fit(table)).toThrow(/Column 'x' has no values in the training split \(all 4 training rows are missing\)/);
  });

  it('names a column that is not a feature and suggests the close match', () => {
    const table: Table = tableFromRecords(records);
    const features: Column[] = table.columns.filter((column) => column.name !== 'y');
    const attempt = () =>
      fitTransform({
        features,
        target: table.columns[2]!,
        trainRows,
        spec: transformSpecSchema.parse({ target: { column: 'y' }, encode: [{ columns: ['C'] }] }),
        rowNumbers: trainRows,
        location: { stage: 'p-preprocess', file: 'stage.json' },
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/Column 'C' named in encode\[0\]\.columns\[0\] does not exist .*\(did you mean 'c'\?\)/);
  });

  describe('a number target for classification (no cast needed)', () => {
    // Quality grades as numbers: 10 sorts after 9 (numeric order, not code point order).
    const graded = [
      { x: 1, y: 9 },
      { x: 2, y: 10 },
      { x: 3, y: 0.5 },
      { x: 4, y: 9 },
      { x: 5, y: 10 },
      { x: 6, y: -1 },
    ];
    const numberSpec = transformSpecSchema.parse({ target: { column: 'y' } });
    const fitGraded = (rows: Record<string, unknown>[], trainOn = Uint32Array.from([0, 1, 2, 3])) => {
      const table = tableFromRecords(rows);
      const target = table.columns.find((column) => column.name === 'y')!;
      const features = table.columns.filter((column) => column.name !== 'y');
      const transform = fitTransform({ features, target, trainRows: trainOn, spec: numberSpec, rowNumbers: Uint32Array.from(rows.keys()), location: {} });
      return { table, transform };
    };

    it("names the classes by the data's values, in numeric order", () => {
      const { table, transform } = fitGraded(graded.slice(0, 5));
      expect(table.columns.find((column) => column.name === 'y')!.kind).toBe('number');
      expect(transform.classes).toEqual(['0.5', '9', '10']);
      expect(Array.from(applyTransform({ transform, table }).labels!)).toEqual([1, 2, 0, 1, 2]);
    });

    it('names a value that is not a fitted class, and a missing target, with their rows', () => {
      const { table, transform } = fitGraded(graded);
      const withMissing = tableFromRecords([...graded, { x: 7, y: null }]);
      expect(() => applyTransform({ transform, table })).toThrow(/The target 'y' has values that are not fitted classes \("-1"\) in row 6/);
      expect(() => applyTransform({ transform, table: withMissing })).toThrow(/"-1", \(missing\)\) in rows 6, 7/);
    });
  });
});
