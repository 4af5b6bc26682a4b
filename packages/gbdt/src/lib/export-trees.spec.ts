import { SeededRandom } from '@reproml/core';
import { buildModel, checkWithPythonOnnx, serializeModel } from '@reproml/onnx';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { syntheticSplit } from '../testing/synthetic';
import { buildTreeEnsembleGraph } from './export-trees';
import { fitGbdt } from './fit-gbdt';
import { marginsToLabels, marginsToProbabilities, predictMargins } from './gbdt-model';

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
