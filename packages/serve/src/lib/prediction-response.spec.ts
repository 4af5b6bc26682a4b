import type { ModelSignature, Predictions } from '@reproml/onnx';
import { describe, expect, it } from 'vitest';
import { inferResponse, outputMetadata, rowsResponse, rowsResponseJson } from './prediction-response';

const signature = (classes: string[] | undefined, classKind?: 'number'): ModelSignature => ({
  rawInputs: [{ name: 'x', kind: 'number', onnxName: 'x' }],
  task: classes ? 'classification' : 'regression',
  ...(classes ? { classes } : {}),
  ...(classKind ? { classKind } : {}),
  outputs: ['label'],
  acceptedStrings: new Map(),
});
const answering = (s: ModelSignature) => ({ name: 'm', version: 1, fingerprint: 'f', signature: s });
const predictions = { rows: 3, label: Float64Array.of(2, 0, 1), probabilities: new Float32Array(9) };

describe("responses give the classes as the data wrote them (model.onnx's own label)", () => {
  it('text classes as BYTES', () => {
    const model = answering(signature(['fog', 'rain', 'sun']));
    expect(inferResponse(model, predictions, {}).outputs[0]).toEqual({ name: 'label', datatype: 'BYTES', shape: [3], data: ['sun', 'fog', 'rain'] });
    expect(rowsResponse(model, predictions).predictions.map((row) => row['label'])).toEqual(['sun', 'fog', 'rain']);
  });

  it('whole-number classes as INT64 numbers, fractional ones as FP64, in OIP and in JSON rows', () => {
    const whole = answering(signature(['3', '5', '10'], 'number'));
    expect(outputMetadata(whole.signature)[0]).toEqual({ name: 'label', datatype: 'INT64', shape: [-1] });
    expect(inferResponse(whole, predictions, {}).outputs[0]).toEqual({ name: 'label', datatype: 'INT64', shape: [3], data: [10, 3, 5] });
    expect(rowsResponse(whole, predictions).predictions.map((row) => row['label'])).toEqual([10, 3, 5]);
    const fractional = answering(signature(['-1', '0.5', '2.25'], 'number'));
    expect(inferResponse(fractional, predictions, {}).outputs[0]).toMatchObject({ datatype: 'FP64', data: [2.25, -1, 0.5] });
  });

  it('regression predictions as FP32', () => {
    const model = answering(signature(undefined));
    expect(inferResponse(model, { rows: 2, label: Float64Array.of(4200.5, 3100) }, {}).outputs).toEqual([
      { name: 'label', datatype: 'FP32', shape: [2], data: [4200.5, 3100] },
    ]);
  });
});

describe('rowsResponseJson (the text the server sends) is exactly JSON.stringify(rowsResponse)', () => {
  const cases: [string, ModelSignature, Predictions][] = [
    [
      'text classes, odd names',
      signature(['fog', 'say "hi"', 'snø\n☃']),
      { rows: 3, label: Float64Array.of(2, 0, 1), probabilities: Float32Array.of(0.1, 0.2, 0.7, 1, 0, 0, 1e-8, 0.333, 0.667) },
    ],
    [
      'whole-number classes',
      signature(['3', '5', '10'], 'number'),
      { rows: 2, label: Float64Array.of(2, 0), probabilities: Float32Array.of(0, 0, 1, 0.5, 0.25, 0.25) },
    ],
    [
      'fractional classes, an id outside the classes',
      signature(['-1', '0.5'], 'number'),
      { rows: 2, label: Float64Array.of(1, 7), probabilities: Float32Array.of(0.4, 0.6, Number.NaN, 1) },
    ],
    ['regression with NaN and infinities', signature(undefined), { rows: 4, label: Float64Array.of(4200.5, Number.NaN, Number.POSITIVE_INFINITY, -0) }],
    ['one row', signature(['a', 'b']), { rows: 1, label: Float64Array.of(1), probabilities: Float32Array.of(0.25, 0.75) }],
  ];
  for (const [name, s, p] of cases) {
    it(name, () => {
      const model = { name: 'm "quoted"', version: 12, fingerprint: 'ab'.repeat(32), signature: s };
      const text = rowsResponseJson(model, p);
      expect(text).toBe(JSON.stringify(rowsResponse(model, p)));
      // Twice: the second call uses the forms cached for this version.
      expect(rowsResponseJson(model, p)).toBe(text);
    });
  }
});
