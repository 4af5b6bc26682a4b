import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Column, Table } from '@reproml/core';
import { checkWithPythonOnnx } from '@reproml/onnx';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { penguinsConfig, penguinsTable, tableFromRecords } from '../testing/penguins';
import { applyTransform, type TransformedRows } from './apply-transform';
import { exportTransformOnnx } from './export-transform-onnx';
import { fitTransform } from './fit-transform';
import type { FittedTransform } from './fitted-transform';
import { preprocessTable } from './preprocess-table';
import { type TransformSpec, transformSpecSchema } from './transform-spec';
import { writePreprocessOutputs } from './write-preprocess-outputs';

/** Feeds for preprocess.onnx: each raw column as [N, 1]; numbers as float32 (NaN = missing), strings with "" = missing. */
function feedsFor(transform: FittedTransform, columns: readonly Column[], rows: Uint32Array): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of transform.rawInputs) {
    const column = columns.find((c) => c.name === input.name)!;
    if (column.kind === 'number') {
      feeds[input.onnxName] = new ort.Tensor(
        'float32',
        Float32Array.from(rows, (row) => column.values[row]!),
        [rows.length, 1],
      );
    } else {
      feeds[input.onnxName] = new ort.Tensor(
        'string',
        Array.from(rows, (row) => column.values[row] ?? ''),
        [rows.length, 1],
      );
    }
  }
  return feeds;
}

async function runGraph(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const { features } = await session.run(feeds);
    return { data: features!.data as Float32Array, dims: features!.dims };
  } finally {
    await session.release();
  }
}

/** Row-major float64 features of the given rows, as the TypeScript transform computes them. */
function denseRows(transformed: TransformedRows, rows: Uint32Array): Float64Array[] {
  return Array.from(rows, (row) => {
    const values: number[] = [];
    for (const block of transformed.blocks) {
      if (block.kind === 'dense') values.push(block.value(row));
      else block.names.forEach((_, code) => values.push(block.codes[row] === code ? 1 : 0));
    }
    return Float64Array.from(values);
  });
}

describe('preprocess.onnx parity', () => {
  it('matches the stage output on every row of the penguins test split (max abs diff ≤ 1e-6, identical categories)', async () => {
    const result = await preprocessTable({ table: penguinsTable(), spec: penguinsConfig(), seed: 7, location: {} });
    const outDir = await mkdtemp(join(tmpdir(), 'preprocess-parity-'));
    await writePreprocessOutputs({ outDir, result });
    const { transform } = result;

    // The stage's own output for the test split, as written (float64 text, shortest round-trip form).
    const lines = (await readFile(join(outDir, 'test.features.csv'), 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe([...transform.featureNames, 'label'].join(','));
    const written = lines.slice(1).map((line) => line.split(',').map(Number));
    const testRows = result.splits.test;
    expect(written).toHaveLength(testRows.length);

    // The in-graph transform on the raw test rows (the same values test.raw.csv holds).
    const bytes = await readFile(join(outDir, 'preprocess.onnx'));
    const graph = await runGraph(bytes, feedsFor(transform, result.features, testRows));
    const width = transform.featureNames.length;
    expect(graph.dims).toEqual([testRows.length, width]);

    // ONNX computes in float32 from float32 inputs, TypeScript in float64: compare the float32
    // output widened to float64 against the float64 values, feature by feature.
    let maxDiff = 0;
    const categorical = transform.featureNames.map((name) => name.includes('='));
    for (let r = 0; r < testRows.length; r++) {
      for (let f = 0; f < width; f++) {
        const inGraph = graph.data[r * width + f]!;
        const staged = written[r]![f]!;
        if (categorical[f]) expect(inGraph, `${transform.featureNames[f]} row ${r}`).toBe(staged);
        maxDiff = Math.max(maxDiff, Math.abs(inGraph - staged));
      }
    }
    // What remains is only the float32 rounding of the raw inputs: on float32-rounded inputs the
    // graph (float64 inside, one rounding to float32 at the end) is bit-exact.
    const rounded: Table = {
      rowCount: result.features[0]!.values.length,
      columns: [...result.features, result.target].map((c) => (c.kind === 'number' ? { ...c, values: c.values.map(Math.fround) } : c)),
    };
    denseRows(applyTransform({ transform, table: rounded }), testRows).forEach((row, r) =>
      row.forEach((value, f) => expect(graph.data[r * width + f], `row ${r} ${transform.featureNames[f]}`).toBe(Math.fround(value))),
    );
    console.log(`penguins test split: ${testRows.length} rows × ${width} features, max |onnx - stage| = ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
  });

  const checked = checkWithPythonOnnx(new Uint8Array(0));
  it.skipIf(!checked.available)(`passes the strict ONNX checker (python3-onnx)${checked.available ? '' : ` — SKIPPED: ${checked.reason}`}`, async () => {
    const result = await preprocessTable({ table: penguinsTable(), spec: penguinsConfig(), seed: 7, location: {} });
    const verdict = checkWithPythonOnnx(exportTransformOnnx(result.transform));
    expect(verdict.available && verdict.valid ? 'valid' : verdict).toBe('valid');
  });

  const spec = (value: unknown): TransformSpec => transformSpecSchema.parse(value);
  const table: Table = tableFromRecords([
    { x: 1.5, y: 10, colour: 'red', size: 'S', label: 'a' },
    { x: null, y: 20, colour: 'blue', size: 'M', label: 'b' },
    { x: 3, y: null, colour: null, size: 'L', label: 'a' },
    { x: -2, y: 40, colour: '?', size: 'M', label: 'b' },
    { x: 8.25, y: 50, colour: 'green', size: null, label: 'a' },
  ]);
  const allRows = Uint32Array.from([0, 1, 2, 3, 4]);

  async function expectParity(transform: FittedTransform, data: Table): Promise<void> {
    const rows = Uint32Array.from({ length: data.rowCount }, (_, i) => i);
    const expected = denseRows(applyTransform({ transform, table: data }), rows);
    const graph = await runGraph(exportTransformOnnx(transform), feedsFor(transform, data.columns, rows));
    const width = transform.featureNames.length;
    expected.forEach((row, r) =>
      row.forEach((value, f) => expect(Math.abs(graph.data[r * width + f]! - value), `row ${r} ${transform.featureNames[f]}`).toBeLessThanOrEqual(1e-6)),
    );
  }

  it('agrees with applyTransform for mean/most_frequent imputation, min-max scaling, ordinal codes and ignored unseen values', async () => {
    const fitted = fitTransform({
      features: table.columns.filter((c) => c.name !== 'label'),
      target: table.columns.find((c) => c.name === 'label')!,
      trainRows: allRows,
      spec: spec({
        target: { column: 'label' },
        missingValues: { colour: ['?'] },
        impute: [
          { columns: ['x'], strategy: 'mean' },
          { columns: ['y'], strategy: 'constant', value: 0 },
          { columns: ['colour'], strategy: 'most_frequent' },
        ],
        encode: [
          { columns: ['colour'], unseen: 'ignore' },
          { columns: ['size'], method: 'ordinal', unseen: 'ignore', unknownValue: -1, categories: { size: ['S', 'M', 'L'] } },
        ],
        scale: [{ columns: ['x'], method: 'minmax' }],
      }),
      rowNumbers: allRows,
      location: {},
    });
    expect(fitted.featureNames).toEqual(['x', 'y', 'colour=blue', 'colour=green', 'colour=red', 'size']);
    await expectParity(fitted, table);
    // New data with a category never fitted and missing values everywhere.
    await expectParity(
      fitted,
      tableFromRecords([
        { x: null, y: null, colour: 'purple', size: 'XL' },
        { x: 100, y: 1, colour: '?', size: null },
        { x: -7, y: 2, colour: 'red', size: 'S' },
      ]),
    );
  });

  it('fails in the graph, as in TypeScript, on a category not fitted under unseen "error"', async () => {
    const fitted = fitTransform({
      features: table.columns.filter((c) => c.name === 'size'),
      target: table.columns.find((c) => c.name === 'label')!,
      trainRows: allRows,
      spec: spec({ target: { column: 'label' }, encode: [{ columns: ['size'], unseen: 'error', categories: { size: ['S', 'M', 'L'] } }] }),
      rowNumbers: allRows,
      location: {},
    });
    const data = tableFromRecords([{ size: 'S' }, { size: 'XL' }]);
    expect(() => applyTransform({ transform: fitted, table: data })).toThrow(/"XL" in row 2/);
    await expect(runGraph(exportTransformOnnx(fitted), feedsFor(fitted, data.columns, Uint32Array.from([0, 1])))).rejects.toThrow();
  });

  it('keepMissing: numbers with no impute rule stay NaN in the features file and in the graph (scaled on the present values)', async () => {
    const spec = { ...penguinsConfig(), filters: [], impute: [{ columns: ['Sex'], strategy: 'constant' as const, value: 'UNKNOWN' }], keepMissing: true };
    const result = await preprocessTable({ table: penguinsTable(), spec, seed: 7, location: {} });
    const length = result.transform.columns.find((column) => column.name === 'Beak Length (mm)')!;
    expect(length).toMatchObject({ kind: 'number', impute: null, keepMissing: true, scale: { method: 'standard' } });
    const outDir = await mkdtemp(join(tmpdir(), 'preprocess-keep-missing-'));
    await writePreprocessOutputs({ outDir, result });
    const rows = [...result.splits.train, ...result.splits.validation, ...result.splits.test];
    const measured = result.features.find((column) => column.name === 'Beak Length (mm)')!.values as Float64Array;
    const missingRows = rows.filter((row) => Number.isNaN(measured[row]!));
    expect(missingRows.length).toBeGreaterThan(0);
    const graph = await runGraph(exportTransformOnnx(result.transform), feedsFor(result.transform, result.features, Uint32Array.from(missingRows)));
    const column = result.transform.featureNames.indexOf('Beak Length (mm)');
    const width = result.transform.featureNames.length;
    missingRows.forEach((_, r) => expect(graph.data[r * width + column]).toBeNaN());
    const files = await Promise.all(['train', 'validation', 'test'].map((split) => readFile(join(outDir, `${split}.features.csv`), 'utf8')));
    const emptyCells = files.flatMap((text) => text.trimEnd().split('\n').slice(1)).filter((line) => line.split(',')[column] === '').length;
    expect(emptyCells).toBe(missingRows.length);
  });
});
