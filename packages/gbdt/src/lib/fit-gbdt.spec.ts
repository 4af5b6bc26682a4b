import { SeededRandom } from '@reproml/core';
import { buildModel, type GbdtModelConfig, serializeModel, type TrainingSplit } from '@reproml/onnx';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { syntheticSplit } from '../testing/synthetic';
import { buildTreeEnsembleGraph } from './export-trees';
import { fitGbdt } from './fit-gbdt';
import { predictMargins } from './gbdt-model';

const BASE: GbdtModelConfig = {
  family: 'gbdt',
  nTrees: 1,
  learningRate: 1,
  maxDepth: 1,
  minSamplesLeaf: 1,
  minHessianLeaf: 0,
  l2: 0,
  minSplitGain: 0,
  subsample: 1,
  colsample: 1,
  maxBins: 255,
  earlyStopping: false,
};

function column(values: number[], labels: number[]): TrainingSplit {
  return { features: Float32Array.from(values), labels: Float64Array.from(labels), rows: values.length };
}

function fitRegression(split: TrainingSplit, config: Partial<GbdtModelConfig> = {}) {
  return fitGbdt({ config: { ...BASE, ...config }, task: 'regression', featureNames: ['x'], train: split, rng: new SeededRandom(1) });
}

describe('fitGbdt: hand-computed cases (squared error: g = margin − y, h = 1)', () => {
  // base margin = mean(y) = 0.5, so g = [0.5, 0.5, −0.5, −0.5]
  const split = column([1, 2, 3, 4], [0, 0, 1, 1]);

  it('one split, λ = 0: threshold 2, gain ½·(1²/2 + 1²/2 − 0) = 0.5, leaves ∓0.5, zero training loss', () => {
    const { model, curve, importance } = fitRegression(split);
    const [tree] = model.trees;
    expect(model.baseMargins).toEqual([0.5]);
    expect(tree!.feature).toEqual([0, -1, -1]);
    expect(tree!.threshold[0]).toBe(2);
    expect(tree!.gain[0]).toBeCloseTo(0.5, 15);
    expect(tree!.value).toEqual([0, -0.5, 0.5]);
    expect(curve[0]!.trainLoss).toBe(0);
    expect(importance).toEqual([{ feature: 'x', gain: tree!.gain[0], splits: 1 }]);
  });

  it('λ = 1 and learning rate 0.5: leaves 0.5·∓1/(2+1), gain ½·(1/3 + 1/3) = 1/3', () => {
    const { model } = fitRegression(split, { l2: 1, learningRate: 0.5 });
    const [tree] = model.trees;
    expect(tree!.gain[0]).toBeCloseTo(1 / 3, 15);
    expect(tree!.value[1]).toBeCloseTo(-1 / 6, 15);
    expect(tree!.value[2]).toBeCloseTo(1 / 6, 15);
  });

  it('minSamplesLeaf 3 leaves no valid split: a single leaf at 0 (the base margin already is the mean)', () => {
    const { model } = fitRegression(split, { minSamplesLeaf: 3 });
    expect(model.trees[0]!.feature).toEqual([-1]);
    expect(model.trees[0]!.value).toEqual([0]);
  });

  it('learns the direction of missing values: x = [NaN, 2, 3, 4] splits at 2 with NaN left (gain 0.5 vs 1/6 right), and onnxruntime follows it', async () => {
    const { model } = fitRegression(column([NaN, 2, 3, 4], [0, 0, 1, 1]));
    const [tree] = model.trees;
    expect(tree!.threshold[0]).toBe(2);
    expect(tree!.missingLeft[0]).toBe(true);
    expect(tree!.gain[0]).toBeCloseTo(0.5, 15);
    const session = await ort.InferenceSession.create(serializeModel(buildModel({ graph: buildTreeEnsembleGraph(model, 'regression') })));
    const input = Float32Array.of(NaN, 2, 2.5, 100);
    const out = await session.run({ features: new ort.Tensor('float32', input, [4, 1]) });
    expect([...(out.label!.data as Float32Array)]).toEqual([0, 0, 1, 1]);
    expect([...predictMargins(model, input, 4)]).toEqual([0, 0, 1, 1]);
    await session.release();
  });

  it('NaN goes right when that gains more: x = [1, 2, NaN, 3]', () => {
    const { model } = fitRegression(column([1, 2, NaN, 3], [0, 0, 1, 1]));
    expect(model.trees[0]!.threshold[0]).toBe(2);
    expect(model.trees[0]!.missingLeft[0]).toBe(false);
  });

  it('binary log-loss: base margin is the log-odds, one Newton step per leaf', () => {
    // 3 positives of 4: p = 0.75, base = ln 3; g = p − y, h = p(1 − p) = 3/16
    const { model } = fitGbdt({
      config: { ...BASE, minHessianLeaf: 0 },
      task: 'classification',
      classes: ['no', 'yes'],
      featureNames: ['x'],
      train: column([1, 2, 3, 4], [0, 1, 1, 1]),
      rng: new SeededRandom(1),
    });
    expect(model.baseMargins[0]).toBeCloseTo(Math.log(3), 15);
    const [tree] = model.trees;
    expect(tree!.threshold[0]).toBe(1);
    // left: g = 0.75, h = 3/16 → −4; right: g = 3·(−0.25), h = 9/16 → 4/3
    expect(tree!.value[1]).toBeCloseTo(-4, 12);
    expect(tree!.value[2]).toBeCloseTo(4 / 3, 12);
  });
});

describe('fitGbdt: properties', () => {
  const featureNames = Array.from({ length: 8 }, (_, f) => `f${f}`);

  it('squared error: the training loss never increases from one round to the next (5 seeds)', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const train = syntheticSplit({ rows: 1500, features: 8, task: 'regression', seed, missing: 0.05 });
      const { curve } = fitGbdt({
        config: { ...BASE, nTrees: 30, learningRate: 0.5, maxDepth: 4, l2: 1, minHessianLeaf: 1 },
        task: 'regression',
        featureNames,
        train,
        rng: new SeededRandom(seed),
      });
      for (let i = 1; i < curve.length; i++) expect(curve[i]!.trainLoss).toBeLessThanOrEqual(curve[i - 1]!.trainLoss);
      expect(curve.at(-1)!.trainLoss).toBeLessThan(curve[0]!.trainLoss / 2);
    }
  });

  it('binary and multi-class log-loss: the training loss decreases every round at learning rate 0.1', () => {
    for (const [task, classes] of [
      ['binary', ['a', 'b']],
      ['multiclass', ['a', 'b', 'c']],
    ] as const) {
      const train = syntheticSplit({ rows: 1500, features: 8, task, seed: 3, missing: 0.05 });
      const { curve, model } = fitGbdt({
        config: { ...BASE, nTrees: 25, learningRate: 0.1, maxDepth: 4, l2: 1, minHessianLeaf: 1 },
        task: 'classification',
        classes,
        featureNames,
        train,
        rng: new SeededRandom(3),
      });
      expect(model.trees).toHaveLength(25 * (classes.length === 2 ? 1 : 3));
      for (let i = 1; i < curve.length; i++) expect(curve[i]!.trainLoss).toBeLessThan(curve[i - 1]!.trainLoss);
    }
  });

  it('early stopping: stops `patience` rounds after the best validation loss and keeps the best round', () => {
    // Few noisy rows, deep trees, a high learning rate: the validation loss soon rises.
    const train = syntheticSplit({ rows: 300, features: 8, task: 'binary', seed: 4 });
    const validation = syntheticSplit({ rows: 300, features: 8, task: 'binary', seed: 5 });
    const result = fitGbdt({
      config: { ...BASE, nTrees: 200, learningRate: 0.5, maxDepth: 8, minHessianLeaf: 0, earlyStopping: { patience: 5, minDelta: 0 } },
      task: 'classification',
      classes: ['a', 'b'],
      featureNames,
      train,
      validation,
      rng: new SeededRandom(1),
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.roundsRun).toBe(result.bestRound + 5);
    expect(result.roundsRun).toBeLessThan(200);
    expect(result.model.trees).toHaveLength(result.bestRound);
    const losses = result.curve.map((record) => record.validationLoss!);
    expect(Math.min(...losses)).toBe(losses[result.bestRound - 1]);
  });

  it('early stopping without validation rows is a DataError naming the field', () => {
    const train = syntheticSplit({ rows: 100, features: 8, task: 'binary', seed: 1 });
    expect(() =>
      fitGbdt({
        config: { ...BASE, earlyStopping: { patience: 3, minDelta: 0 } },
        task: 'classification',
        classes: ['a', 'b'],
        featureNames,
        train,
        validation: { features: new Float32Array(0), labels: new Float64Array(0), rows: 0 },
        rng: new SeededRandom(1),
      }),
    ).toThrow(expect.objectContaining({ name: 'DataError', field: 'model.earlyStopping' }));
  });

  it('respects maxDepth and maxLeaves', () => {
    const train = syntheticSplit({ rows: 2000, features: 8, task: 'regression', seed: 6 });
    const depthOf = (tree: { left: number[]; right: number[]; feature: number[] }) => {
      const walk = (node: number): number => (tree.feature[node]! < 0 ? 0 : 1 + Math.max(walk(tree.left[node]!), walk(tree.right[node]!)));
      return walk(0);
    };
    const deep = fitGbdt({ config: { ...BASE, nTrees: 5, maxDepth: 3 }, task: 'regression', featureNames, train, rng: new SeededRandom(1) });
    expect(deep.model.trees.every((tree) => depthOf(tree) === 3)).toBe(true);
    const leafy = fitGbdt({ config: { ...BASE, nTrees: 5, maxDepth: 10, maxLeaves: 7 }, task: 'regression', featureNames, train, rng: new SeededRandom(1) });
    expect(leafy.model.trees.every((tree) => tree.feature.filter((f) => f < 0).length === 7)).toBe(true);
  });

  it('row and column sampling come from the seed: same seed → the same trees, another seed → other trees', () => {
    const train = syntheticSplit({ rows: 1000, features: 8, task: 'binary', seed: 7, missing: 0.05 });
    const fit = (seed: number) =>
      fitGbdt({
        config: { ...BASE, nTrees: 10, maxDepth: 4, learningRate: 0.3, subsample: 0.7, colsample: 0.5, minHessianLeaf: 1, l2: 1 },
        task: 'classification',
        classes: ['a', 'b'],
        featureNames,
        train,
        rng: new SeededRandom(seed),
      });
    const bytes = (seed: number) => serializeModel(buildModel({ graph: buildTreeEnsembleGraph(fit(seed).model, 'classification') }));
    expect(Buffer.from(bytes(11)).equals(Buffer.from(bytes(11)))).toBe(true);
    expect(Buffer.from(bytes(11)).equals(Buffer.from(bytes(12)))).toBe(false);
    // colsample 0.5 of 8 features: each tree splits on at most 4 distinct features
    expect(fit(11).model.trees.every((tree) => new Set(tree.feature.filter((f) => f >= 0)).size <= 4)).toBe(true);
  });

  it('feature importance: gains add up to the trees’ split gains, and the strongest signal ranks first', () => {
    const train = syntheticSplit({ rows: 2000, features: 8, task: 'regression', seed: 8 });
    const { model, importance } = fitGbdt({
      config: { ...BASE, nTrees: 20, maxDepth: 3, learningRate: 0.3 },
      task: 'regression',
      featureNames,
      train,
      rng: new SeededRandom(1),
    });
    const total = model.trees.reduce((sum, tree) => sum + tree.gain.reduce((a, b) => a + b, 0), 0);
    expect(importance.reduce((sum, entry) => sum + entry.gain, 0)).toBeCloseTo(total, 6);
    expect(importance.reduce((sum, entry) => sum + entry.splits, 0)).toBe(
      model.trees.reduce((sum, tree) => sum + tree.feature.filter((f) => f >= 0).length, 0),
    );
    expect([...importance].sort((a, b) => b.gain - a.gain)[0]!.feature).toBe('f0');
  });
});
