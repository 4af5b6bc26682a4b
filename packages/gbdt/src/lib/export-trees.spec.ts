import { SeededRandom } from '@reproml/core';
import { buildModel, checkWithPythonOnnx, serializeModel } from '@reproml/onnx';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { syntheticSplit } from '../testing/synthetic';
import { buildTreeEnsembleGraph, splitLayout } from './export-trees';
import { fitGbdt } from './fit-gbdt';
import { type GbdtModel, marginsToLabels, marginsToProbabilities, predictMargins } from './gbdt-model';
import { addLeaf, emptyTree, type Tree } from './tree';

const CASES = [
  { task: 'binary', onnxTask: 'classification', classes: ['a', 'b'] },
  { task: 'multiclass', onnxTask: 'classification', classes: ['a', 'b', 'c'] },
  { task: 'regression', onnxTask: 'regression', classes: undefined },
] as const;

describe('buildTreeEnsembleGraph', () => {
  for (const { task, onnxTask, classes } of CASES) {
    it(`${task}: onnxruntime's predictions equal the trainer's within 1e-6 (missing values included)`, async () => {
      const features = 8;
      const train = syntheticSplit({ rows: 3000, features, task, seed: 1, missing: 0.05 });
      const validation = syntheticSplit({ rows: 800, features, task, seed: 2, missing: 0.05 });
      const test = syntheticSplit({ rows: 1000, features, task, seed: 3, missing: 0.1 });
      const featureNames = Array.from({ length: features }, (_, f) => `f${f}`);
      const result = fitGbdt({
        config: {
          family: 'gbdt',
          nTrees: 40,
          learningRate: 0.3,
          maxDepth: 5,
          minSamplesLeaf: 1,
          minHessianLeaf: 1,
          l2: 1,
          minSplitGain: 0,
          subsample: 0.8,
          colsample: 0.8,
          maxBins: 64,
          earlyStopping: false,
        },
        task: onnxTask,
        featureNames,
        classes,
        train,
        validation,
        rng: new SeededRandom(7),
      });
      expect(result.model.trees.some((tree) => tree.missingLeft.some(Boolean))).toBe(true);
      const bytes = serializeModel(buildModel({ graph: buildTreeEnsembleGraph(result.model, onnxTask) }));
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ features: new ort.Tensor('float32', test.features, [test.rows, features]) });
      const margins = predictMargins(result.model, test.features, test.rows);
      if (onnxTask === 'regression') {
        const label = out.label!.data as Float32Array;
        for (let row = 0; row < test.rows; row++)
          expect(Math.abs(label[row]! - margins[row]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(margins[row]!)));
      } else {
        const probabilities = out.probabilities!.data as Float32Array;
        const expected = marginsToProbabilities(result.model, margins, test.rows);
        let worst = 0;
        for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(probabilities[i]! - expected[i]!));
        expect(worst).toBeLessThanOrEqual(1e-6);
        expect([...(out.label!.data as BigInt64Array)].map(Number)).toEqual([...marginsToLabels(result.model, margins, test.rows)]);
      }
      await session.release();
      const check = checkWithPythonOnnx(bytes);
      if (check.available) expect(check, check.message).toMatchObject({ valid: true });
    });
  }
});

const F32_MAX = 3.4028234663852886e38;
const F32_TINY = 2 ** -149;

/** A stump: x[feature] <= threshold → left (value `left`), else right; `counts` = training rows [left, right]. */
function stump(feature: number, threshold: number, missingLeft: boolean, counts: [number, number], values: [number, number]): Tree {
  const tree = emptyTree(0);
  addLeaf(tree, 0, counts[0] + counts[1]);
  tree.left[0] = addLeaf(tree, values[0], counts[0]);
  tree.right[0] = addLeaf(tree, values[1], counts[1]);
  tree.feature[0] = feature;
  tree.threshold[0] = threshold;
  tree.missingLeft[0] = missingLeft;
  return tree;
}

/** The float32 neighbours of a float32 value. */
function float32Step(value: number, step: 1 | -1): number {
  const bits = Float32Array.of(value);
  new Int32Array(bits.buffer)[0]! += value >= 0 ? step : -step;
  return bits[0]!;
}

describe('splitLayout: the busier child on the false branch', () => {
  const t = Math.fround(0.3);
  const below = float32Step(t, -1);
  const above = float32Step(t, 1);
  // Leaf values are distinct powers of two, so every row's margin is exact in float32 and names the leaves it reached.
  const model: GbdtModel = {
    objective: 'squared-error',
    outputs: 1,
    baseMargins: [0],
    featureCount: 2,
    trees: [
      stump(0, t, true, [90, 10], [1, 2]), // flipped
      stump(1, 0, true, [5, 95], [4, 8]), // as trained
      stump(0, Infinity, false, [99, 1], [16, 32]), // present values left, NaN right: never flipped
      stump(1, 0, false, [60, 40], [64, 128]), // flipped at zero
      stump(0, -F32_MAX, true, [10, 1], [256, 512]), // flipped at the lowest float32
      stump(1, F32_MAX, false, [10, 1], [1024, 2048]), // flipped at the highest float32
    ],
  };

  it('flips a split only when its left child took more training rows and its threshold is finite', () => {
    // x > t ⇔ −x < −t ⇔ −x ≤ the float32 just below −t, which is −(the float32 just above t).
    expect(splitLayout(model.trees[0]!, 0, 2)).toEqual({ column: 2, threshold: -above, trueChild: 2, falseChild: 1, missingTrue: false });
    expect(splitLayout(model.trees[1]!, 0, 2)).toEqual({ column: 1, threshold: 0, trueChild: 1, falseChild: 2, missingTrue: true });
    expect(splitLayout(model.trees[2]!, 0, 2)).toMatchObject({ column: 0, threshold: Infinity, trueChild: 1 });
    expect(splitLayout(model.trees[3]!, 0, 2)).toEqual({ column: 3, threshold: -F32_TINY, trueChild: 2, falseChild: 1, missingTrue: true });
    expect(splitLayout(model.trees[5]!, 0, 2)).toMatchObject({ column: 3, threshold: -Infinity });
  });

  it('onnxruntime routes every boundary value (±0, ±tiny, t and its float32 neighbours, ±max, ±Infinity, NaN) as the trainer does', async () => {
    const values = [t, below, above, -t, -below, -above, 0, -0, F32_TINY, -F32_TINY, F32_MAX, -F32_MAX, Infinity, -Infinity, NaN, 1, -1];
    const rows = values.length ** 2;
    const features = new Float32Array(rows * 2);
    values.forEach((a, i) => values.forEach((b, j) => features.set([a, b], (i * values.length + j) * 2)));
    const session = await ort.InferenceSession.create(serializeModel(buildModel({ graph: buildTreeEnsembleGraph(model, 'regression') })));
    const out = await session.run({ features: new ort.Tensor('float32', features, [rows, 2]) });
    await session.release();
    expect([...(out.label!.data as Float32Array)]).toEqual([...predictMargins(model, features, rows)]);
  });
});
