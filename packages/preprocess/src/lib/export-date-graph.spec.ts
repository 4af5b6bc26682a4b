import { SeededRandom, type Table } from '@reproml/core';
import { buildInferenceGraph, buildModel, decodeModel, exportModel, initialParameters, type Network, serializeModel } from '@reproml/onnx';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { tableFromRecords } from '../testing/penguins';
import { applyTransform, type TransformedRows } from './apply-transform';
import { DATE_FEATURES, daysFromCivil } from './date-features';
import { DATE_PARSING_OPSET } from './export-date-graph';
import { exportTransformOnnx } from './export-transform-onnx';
import { fitTransform } from './fit-transform';
import type { FittedTransform } from './fitted-transform';
import { transformSpecSchema } from './transform-spec';

/** Feeds for preprocess.onnx: strings as they are ("" = missing), numbers as float32. */
function feeds(transform: FittedTransform, table: Table): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const input of transform.rawInputs) {
    const column = table.columns.find((c) => c.name === input.name)!;
    out[input.onnxName] =
      column.kind === 'number'
        ? new ort.Tensor('float32', Float32Array.from(column.values), [table.rowCount, 1])
        : new ort.Tensor(
            'string',
            Array.from(column.values, (value) => value ?? ''),
            [table.rowCount, 1],
          );
  }
  return out;
}

async function runGraph(bytes: Uint8Array, input: Record<string, ort.Tensor>, output = 'features'): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return (await session.run(input))[output]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

function denseRows(transformed: TransformedRows): number[][] {
  return Array.from({ length: transformed.rowCount }, (_, row) =>
    transformed.blocks.flatMap((block) => (block.kind === 'dense' ? [block.value(row)] : block.names.map((_, code) => (block.codes[row] === code ? 1 : 0)))),
  );
}

function fit(table: Table, fields: Record<string, unknown>): FittedTransform {
  const rows = Uint32Array.from({ length: table.rowCount }, (_, i) => i);
  return fitTransform({
    features: table.columns.filter((c) => c.name !== 'label'),
    target: table.columns.find((c) => c.name === 'label')!,
    trainRows: rows,
    spec: transformSpecSchema.parse({ target: { column: 'label' }, ...fields }),
    rowNumbers: rows,
    location: {},
  });
}

/** The graph's float32 output equals the stage's float64 features rounded to float32, bit for bit. */
async function expectParity(transform: FittedTransform, table: Table): Promise<void> {
  const expected = denseRows(applyTransform({ transform, table }));
  const graph = await runGraph(exportTransformOnnx(transform), feeds(transform, table));
  const width = transform.featureNames.length;
  expect(graph.length).toBe(table.rowCount * width);
  expected.forEach((row, r) =>
    row.forEach((value, f) => expect(graph[r * width + f], `row ${r} (${table.columns[0]!.values[r]}) ${transform.featureNames[f]}`).toBe(Math.fround(value))),
  );
}

/** ISO texts: every 61st day from 1601 to 2399 (some with a time), leap days, month ends, pre-1970 and zone forms. */
function isoDates(): string[] {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const texts: string[] = [];
  let i = 0;
  for (let days = daysFromCivil(1601, 1, 1); days < daysFromCivil(2399, 12, 31); days += 61, i++) {
    const date = new Date(days * 86_400_000);
    const text = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
    texts.push(i % 3 === 0 ? `${text}T${pad(i % 24)}:${pad(i % 60)}:00` : i % 3 === 1 ? `${text} ${pad(i % 24)}:30` : text);
  }
  texts.push(
    '2000-02-29',
    '1900-02-28',
    '1900-03-01',
    '2024-02-29T23:59:59.999Z',
    '2023-12-31T00:00:00+05:30',
    '1969-12-31T12:00:00-08:00',
    '1970-01-01',
    '1600-02-29',
    '2021-04-30 07:15:00',
    '2021-01-31T09:00',
  );
  return texts;
}

describe('preprocess.onnx parses dates like the stage', () => {
  const everyFeature = { dates: [{ columns: ['when'], features: [...DATE_FEATURES] }] };

  it(`agrees bit for bit on ${isoDates().length} ISO-8601 dates and datetimes (every feature, opset ${DATE_PARSING_OPSET})`, async () => {
    const table = tableFromRecords(isoDates().map((when) => ({ when, label: 'x' })));
    const transform = fit(table, everyFeature);
    expect(transform.featureNames).toEqual(DATE_FEATURES.map((feature) => `when.${feature}`));
    await expectParity(transform, table);
    const opsets = decodeModel(exportTransformOnnx(transform)).opsetImport!.map((opset) => [opset.domain, Number(opset.version)]);
    expect(opsets).toEqual([
      ['', DATE_PARSING_OPSET],
      ['ai.onnx.ml', 3],
    ]);
  });

  it('agrees on explicit formats, missing values (imputed or kept), markers and scaling, next to other columns', async () => {
    const records = [
      { day: '29/02/2024', stamp: '31.12.1999 23:05', colour: 'red', x: 1, label: 'a' },
      { day: '1/3/1900', stamp: '?', colour: 'blue', x: null, label: 'b' },
      { day: null, stamp: '01.01.1970 00:00', colour: 'red', x: 3, label: 'a' },
      { day: '31/12/1969', stamp: '15.08.1947 7:30', colour: null, x: 4, label: 'b' },
      { day: '05/01/2012', stamp: null, colour: 'blue', x: 5, label: 'a' },
    ];
    const table = tableFromRecords(records);
    const transform = fit(table, {
      missingValues: { stamp: ['?'] },
      dates: [
        { columns: 'day', format: '%d/%m/%Y', features: ['daysSinceEpoch', 'dayOfWeek', 'month'] },
        { columns: 'stamp', format: '%d.%m.%Y %H:%M', features: ['year', 'hour', 'dayOfYear'] },
      ],
      impute: [
        { columns: ['day'], strategy: 'median' },
        { columns: { type: 'number' }, strategy: 'mean' },
        { columns: 'colour', strategy: 'most_frequent' },
      ],
      scale: [{ columns: ['day', 'x'], method: 'standard' }],
      encode: [{ columns: { type: 'string' } }],
      keepMissing: true,
    });
    expect(transform.columns.map((column) => column.kind)).toEqual(['date', 'date', 'string', 'number']);
    await expectParity(transform, table);
    // new rows, including a leap day and a date only the graph has not seen
    await expectParity(
      transform,
      tableFromRecords([{ day: '28/2/2100', stamp: '29.02.2000 12:00', colour: 'blue', x: 2, label: 'a' }, ...records.slice(0, 2)]),
    );
  });

  it('fails in the graph, as in TypeScript, on a value that is not a date', async () => {
    const transform = fit(tableFromRecords([{ when: '2024-01-01', label: 'x' }]), everyFeature);
    const bad = tableFromRecords([{ when: '2024-01-01' }, { when: 'soon' }]);
    expect(() => applyTransform({ transform, table: bad })).toThrow(/"soon" in row 2/);
    await expect(runGraph(exportTransformOnnx(transform), feeds(transform, bad))).rejects.toThrow();
  });

  it('keeps opset 17 for transforms without dates (their bytes do not change)', () => {
    const transform = fit(tableFromRecords([{ x: 1, label: 'a' }]), {});
    expect(Number(decodeModel(exportTransformOnnx(transform)).opsetImport!.find((opset) => opset.domain === '')!.version)).toBe(17);
  });

  it('fuses into a model.onnx that takes the raw date text and predicts what the two graphs predict in turn', async () => {
    const table = tableFromRecords(
      isoDates()
        .slice(0, 40)
        .map((when, i) => ({ when, x: i, label: 'x' })),
    );
    const transform = fit(table, { ...everyFeature, scale: [{ columns: ['when', 'x'], method: 'standard' }] });
    const network: Network = {
      family: 'mlp',
      task: 'regression',
      loss: 'mse',
      inputSize: transform.featureNames.length,
      hiddenLayers: [4],
      outputSize: 1,
      dtype: 'float32',
    };
    const parameters = initialParameters(network, new SeededRandom(3));
    const preprocessOnnx = exportTransformOnnx(transform);
    const model = exportModel({ network, parameters, preprocessOnnx, rawInputs: transform.rawInputs, featureNames: transform.featureNames });
    const fused = await runGraph(model, feeds(transform, table), 'label');
    const features = await runGraph(preprocessOnnx, feeds(transform, table));
    const alone = serializeModel(buildModel({ graph: buildInferenceGraph(network, parameters) }));
    const inTurn = await runGraph(alone, { features: new ort.Tensor('float32', features, [table.rowCount, transform.featureNames.length]) }, 'label');
    expect(Array.from(fused)).toEqual(Array.from(inTurn));
    expect(Number(decodeModel(model).opsetImport!.find((opset) => opset.domain === '')!.version)).toBe(DATE_PARSING_OPSET);
    // No python3-onnx cross-check here: Debian's python3-onnx 1.12 knows ai.onnx up to opset 17 only.
  });
});
