import { SeededRandom } from '@reproml/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { FIXTURE_FEATURES, fixturePreprocessOnnx } from '../../testing/feature-fixture';
import type { ClassKind } from '../contracts/features-manifest';
import { buildInferenceGraph } from '../graph/inference-graph';
import { readModelSignature } from '../graph/model-signature';
import { checkWithPythonOnnx } from '../graph/python-onnx-checker';
import { loadModelBytes, predictTable } from '../inference/inference-runner';
import { predictionLabel } from '../inference/prediction-columns';
import { exportFusedModel } from './export-model';
import { resolveNetwork } from './trainer';
import { trainingConfigSchema } from './training-config';

const RAW_INPUTS = [
  { name: 'x0', kind: 'number' as const, onnxName: 'x0' },
  { name: 'x1', kind: 'number' as const, onnxName: 'x1' },
  { name: 'tag', kind: 'string' as const, onnxName: 'tag' },
];
const ROWS = 40;

/** A softmax classifier with seeded non-zero weights over the fixture's preprocess.onnx, exported for these classes. */
function classifier(classes: string[], classKind?: ClassKind): Uint8Array {
  const network = resolveNetwork({
    model: { family: 'mlp', hiddenLayers: [8] },
    training: trainingConfigSchema.parse({}),
    task: 'classification',
    featureNames: FIXTURE_FEATURES,
    classes,
  });
  const rng = new SeededRandom(3);
  const parameters = [[4, 8], [8], [8, classes.length], [classes.length]].map((dims, layer) => ({
    name: `layer${Math.floor(layer / 2)}.${layer % 2 ? 'bias' : 'weight'}`,
    dims,
    values: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.nextGaussian() * 2),
  }));
  return exportFusedModel({
    modelGraph: buildInferenceGraph(network, parameters),
    family: 'mlp',
    task: 'classification',
    preprocessOnnx: fixturePreprocessOnnx(),
    rawInputs: RAW_INPUTS,
    featureNames: FIXTURE_FEATURES,
    classes,
    ...(classKind ? { classKind } : {}),
  });
}

function rawFeeds(): Record<string, ort.Tensor> {
  const rng = new SeededRandom(9);
  return {
    x0: new ort.Tensor(
      'float32',
      Float32Array.from({ length: ROWS }, () => rng.nextGaussian() * 3),
      [ROWS, 1],
    ),
    x1: new ort.Tensor(
      'float32',
      Float32Array.from({ length: ROWS }, () => rng.nextGaussian() * 3),
      [ROWS, 1],
    ),
    tag: new ort.Tensor(
      'string',
      Array.from({ length: ROWS }, (_, row) => (row % 2 ? 'p' : 'q')),
      [ROWS, 1],
    ),
  };
}

function argmax(probabilities: Float32Array, row: number, width: number): number {
  let best = 0;
  for (let c = 1; c < width; c++) if (probabilities[row * width + c]! > probabilities[row * width + best]!) best = c;
  return best;
}

describe("model.onnx of a classifier outputs the data's class values", () => {
  const cases: { title: string; classes: string[]; classKind?: ClassKind; type: string; values: (string | bigint | number)[] }[] = [
    { title: 'text classes as strings', classes: ['adelie', 'chinstrap', 'gentoo'], type: 'string', values: ['adelie', 'chinstrap', 'gentoo'] },
    { title: 'whole-number classes as int64', classes: ['3', '5', '10'], classKind: 'number', type: 'int64', values: [3n, 5n, 10n] },
    { title: 'fractional classes as double', classes: ['-1', '0.5', '2.25'], classKind: 'number', type: 'float64', values: [-1, 0.5, 2.25] },
  ];

  for (const { title, classes, classKind, type, values } of cases) {
    it(`${title}: label = class of class_id, class_id = argmax of probabilities`, async () => {
      const bytes = classifier(classes, classKind);
      const python = checkWithPythonOnnx(bytes);
      if (python.available) expect(python.valid ? 'valid' : python.message).toBe('valid');
      const session = await ort.InferenceSession.create(bytes);
      expect([...session.outputNames]).toEqual(['label', 'probabilities', 'class_id']);
      const out = await session.run(rawFeeds());
      expect(out.label!.type).toBe(type);
      const ids = Array.from(out.class_id!.data as BigInt64Array, Number);
      const probabilities = out.probabilities!.data as Float32Array;
      const seen = new Set<number>();
      for (let row = 0; row < ROWS; row++) {
        expect(ids[row]).toBe(argmax(probabilities, row, classes.length));
        expect((out.label!.data as ArrayLike<unknown>)[row]).toEqual(values[ids[row]!]);
        seen.add(ids[row]!);
      }
      expect(seen.size).toBe(classes.length); // every class is predicted somewhere, so every value was checked
      await session.release();
    });
  }

  it('the runner reads class ids from class_id and labels rows with the values (numbers for a number target)', async () => {
    const bytes = classifier(['3', '5', '10'], 'number');
    const signature = readModelSignature(bytes);
    expect(signature).toMatchObject({ classes: ['3', '5', '10'], classKind: 'number', outputs: ['label', 'probabilities', 'class_id'] });
    expect(readModelSignature(classifier(['a', 'b'])).classKind).toBeUndefined();
    const model = await loadModelBytes({ bytes, file: 'model.onnx' });
    const feeds = rawFeeds();
    const table = {
      rowCount: ROWS,
      columns: [
        { name: 'x0', kind: 'number' as const, values: Float64Array.from(feeds.x0!.data as Float32Array) },
        { name: 'x1', kind: 'number' as const, values: Float64Array.from(feeds.x1!.data as Float32Array) },
        { name: 'tag', kind: 'string' as const, values: feeds.tag!.data as string[] },
      ],
    };
    const predictions = await predictTable({ model, table, file: 'rows.csv' });
    const direct = await ort.InferenceSession.create(bytes);
    const out = await direct.run(feeds);
    expect(Array.from(predictions.label)).toEqual(Array.from(out.class_id!.data as BigInt64Array, Number));
    expect(Array.from(predictions.label, (id) => predictionLabel(signature, id))).toEqual(Array.from(out.label!.data as BigInt64Array, Number));
    await direct.release();
    await model.release();
  });
});
