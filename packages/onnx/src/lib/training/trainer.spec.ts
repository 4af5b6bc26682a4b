import { DataError, SeededRandom } from '@reproml/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildInferenceGraph } from '../graph/inference-graph';
import { buildModel, serializeModel } from '../graph/onnx-model';
import { type TrainParams, train } from './trainer';
import { type ModelConfig, trainingConfigSchema } from './training-config';
import type { FeatureGroup, GroupedSplit, TrainingSplit } from './training-data';
import { TrainingDivergedError } from './training-errors';

/** Three Gaussian blobs in 4 dimensions: an easy 3-class problem. */
function blobs(rows: number, seed: number): TrainingSplit {
  const rng = new SeededRandom(seed);
  const centers = [
    [2, 0, 0, 1],
    [-2, 1, 0, 0],
    [0, -2, 1, -1],
  ];
  const features = new Float32Array(rows * 4);
  const labels = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const label = row % 3;
    labels[row] = label;
    for (let j = 0; j < 4; j++) features[row * 4 + j] = centers[label]![j]! + rng.nextGaussian() * 0.7;
  }
  return { features, labels, rows };
}

/** y = 3x₀ − 2x₁ + 0.5 + noise. */
function line(rows: number, seed: number): TrainingSplit {
  const rng = new SeededRandom(seed);
  const features = new Float32Array(rows * 2);
  const labels = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const x0 = rng.nextGaussian();
    const x1 = rng.nextGaussian();
    features[row * 2] = x0;
    features[row * 2 + 1] = x1;
    labels[row] = 3 * x0 - 2 * x1 + 0.5 + rng.nextGaussian() * 0.01;
  }
  return { features, labels, rows };
}

/** Blobs with one-hot columns between the numbers (f0 | g=x, g=y | f1, f2 | g=z | f3): a row-major split and the same values in feature groups. */
function blobsWithOneHot(rows: number, seed: number): { rowMajor: TrainingSplit; grouped: GroupedSplit } {
  const base = blobs(rows, seed);
  const rng = new SeededRandom(seed + 100);
  const group = Array.from({ length: rows }, (_, row) => (rng.nextFloat() < 0.7 ? base.labels[row]! : rng.nextInt(3)));
  const layout: (number | string)[][] = [[0], ['x', 'y'], [1, 2], ['z'], [3]];
  const codes: Record<string, number> = { x: 0, y: 1, z: 2 };
  const value = (source: number | string, row: number) =>
    typeof source === 'number' ? base.features[row * 4 + source]! : group[row] === codes[source] ? 1 : 0;
  const width = layout.flat().length;
  const features = Float32Array.from({ length: rows * width }, (_, index) => value(layout.flat()[index % width]!, Math.floor(index / width)));
  const groups = layout.map((sources): FeatureGroup => {
    const values = Array.from({ length: rows * sources.length }, (_, index) => value(sources[index % sources.length]!, Math.floor(index / sources.length)));
    return typeof sources[0] === 'number'
      ? { type: 'float', width: sources.length, values: Float32Array.from(values) }
      : { type: 'uint8', width: sources.length, values: Uint8Array.from(values) };
  });
  return { rowMajor: { features, labels: base.labels, rows }, grouped: { groups, labels: base.labels, rows } };
}

const classes = ['a', 'b', 'c'];
const featureNames = ['f0', 'f1', 'f2', 'f3'];

function classification(overrides: Partial<TrainParams> & { trainingConfig?: Record<string, unknown>; model?: ModelConfig } = {}): TrainParams {
  const { trainingConfig, ...rest } = overrides;
  return {
    model: { family: 'mlp', hiddenLayers: [16] },
    training: trainingConfigSchema.parse({ epochs: 30, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 }, ...trainingConfig }),
    task: 'classification',
    featureNames,
    classes,
    train: blobs(240, 1),
    validation: blobs(60, 2),
    rng: new SeededRandom(42),
    ...rest,
  };
}

const trainResult = (params: TrainParams) => train(params);

async function modelBytes(params: TrainParams): Promise<Buffer> {
  const result = await train(params);
  return Buffer.from(serializeModel(buildModel({ graph: buildInferenceGraph(result.network, result.parameters) })));
}

describe('train', () => {
  it('learns a separable 3-class problem with an MLP and records the curve', async () => {
    const result = await train(classification());
    const last = result.curve.at(-1)!;
    expect(last.validationMetric).toBeGreaterThan(0.95);
    expect(last.trainLoss).toBeLessThan(result.curve[0]!.trainLoss);
    expect(result.validationMetricName).toBe('accuracy');
  });

  it('fits linear regression with SGD + momentum and L2', async () => {
    const result = await train({
      model: { family: 'linear' },
      training: trainingConfigSchema.parse({
        epochs: 40,
        batchSize: 20,
        l2: 1e-4,
        optimizer: { type: 'sgd', learningRate: 0.05 },
        earlyStopping: false,
        standardizeTarget: false,
      }),
      task: 'regression',
      featureNames: ['x0', 'x1'],
      train: line(200, 3),
      validation: line(50, 4),
      rng: new SeededRandom(1),
    });
    const [weight, bias] = result.parameters;
    expect(weight!.values[0]).toBeCloseTo(3, 1);
    expect(weight!.values[1]).toBeCloseTo(-2, 1);
    expect(bias!.values[0]).toBeCloseTo(0.5, 1);
    expect(result.curve.at(-1)!.validationMetric).toBeLessThan(0.05);
  });

  describe('a regression target far from 0 (body mass in grams)', () => {
    /** y = 4200 + 600·x₀ − 300·x₁ + noise (sd 20): what a network starting at 0 cannot reach in a few epochs. */
    function grams(rows: number, seed: number): TrainingSplit {
      const split = line(rows, seed);
      const rng = new SeededRandom(seed + 100);
      for (let row = 0; row < rows; row++)
        split.labels[row] = 4200 + 600 * split.features[row * 2]! - 300 * split.features[row * 2 + 1]! + rng.nextGaussian() * 20;
      return split;
    }
    const regression = (standardizeTarget: boolean): TrainParams => ({
      model: { family: 'linear' },
      training: trainingConfigSchema.parse({ epochs: 30, batchSize: 20, optimizer: { type: 'adam', learningRate: 0.05 }, standardizeTarget }),
      task: 'regression',
      featureNames: ['x0', 'x1'],
      train: grams(300, 5),
      validation: grams(100, 6),
      rng: new SeededRandom(1),
    });

    it('is standardized by default: the validation RMSE (in grams) is near the noise, and far below the unstandardized fit', async () => {
      expect(trainingConfigSchema.parse({}).standardizeTarget).toBe(true);
      const standardized = await train(regression(true));
      const raw = await train(regression(false));
      const labels = grams(300, 5).labels;
      const mean = labels.reduce((a, b) => a + b, 0) / labels.length;
      expect(standardized.targetScaling).toEqual({ mean, std: Math.sqrt(labels.reduce((a, b) => a + (b - mean) ** 2, 0) / labels.length) });
      expect(standardized.curve[standardized.bestEpoch - 1]!.validationMetric).toBeLessThan(30);
      expect(raw.targetScaling).toBeUndefined();
      expect(raw.curve[raw.bestEpoch - 1]!.validationMetric).toBeGreaterThan(1000);
    });

    it("model.onnx scales the output back: onnxruntime's predictions equal the trainer's (x·w + b)·std + mean, in grams", async () => {
      const result = await train(regression(true));
      const graph = buildInferenceGraph(result.network, result.parameters, result.targetScaling);
      const session = await ort.InferenceSession.create(serializeModel(buildModel({ graph })));
      const validation = grams(100, 6);
      const out = await session.run({ features: new ort.Tensor('float32', validation.features, [validation.rows, 2]) });
      const predicted = out['label']!.data as Float32Array;
      const [weight, bias] = result.parameters;
      const { mean, std } = result.targetScaling!;
      let squared = 0;
      for (let row = 0; row < validation.rows; row++) {
        const x = validation.features.subarray(row * 2, row * 2 + 2);
        const expected = (Math.fround(x[0]! * weight!.values[0]! + x[1]! * weight!.values[1]!) + bias!.values[0]!) * std + mean;
        expect(Math.abs(predicted[row]! - expected)).toBeLessThan(1e-6 * Math.abs(expected) + 1e-3);
        squared += (predicted[row]! - validation.labels[row]!) ** 2;
      }
      expect(Math.sqrt(squared / validation.rows)).toBeCloseTo(result.curve[result.bestEpoch - 1]!.validationMetric!, 0);
      await session.release();
    });
  });

  it('stops early when the validation loss stops improving and keeps the best epoch', async () => {
    const result = await train(
      classification({ trainingConfig: { epochs: 500, earlyStopping: { patience: 3 }, optimizer: { type: 'adam', learningRate: 0.05 } } }),
    );
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochsRun).toBe(result.bestEpoch + 3);
    const bestLoss = Math.min(...result.curve.map((record) => record.validationLoss!));
    expect(result.curve[result.bestEpoch - 1]!.validationLoss).toBe(bestLoss);
  });

  it('weighs classes: balanced weights shift predictions toward a rare class', async () => {
    // Class 'c' is rare and overlaps the others: unweighted training mostly ignores it.
    const base = blobs(300, 9);
    const keep = Array.from({ length: base.rows }, (_, row) => row).filter((row) => base.labels[row] !== 2 || row % 10 === 2);
    const rare: TrainingSplit = {
      rows: keep.length,
      labels: Float64Array.from(keep, (row) => base.labels[row]!),
      // Rare rows sit inside class 'a' (shifted by 0.5 on f0), so they cost little to misclassify unweighted.
      features: Float32Array.from(
        keep.flatMap((row) => {
          const source = base.labels[row] === 2 ? row - 2 : row;
          return Array.from(base.features.subarray(source * 4, source * 4 + 4), (v, j) => (j === 0 && source !== row ? v + 0.5 : v));
        }),
      ),
    };
    const predictedRare = async (classWeights: unknown): Promise<number> => {
      const result = await train(classification({ train: rare, validation: undefined, trainingConfig: { epochs: 20, earlyStopping: false, classWeights } }));
      const w = result.parameters;
      // Count training rows predicted as class 2 by running the trained network in JS.
      let count = 0;
      for (let row = 0; row < rare.rows; row++) {
        const x = rare.features.subarray(row * 4, row * 4 + 4);
        const hidden = Array.from({ length: 16 }, (_, j) =>
          Math.max(0, w[1]!.values[j]! + [0, 1, 2, 3].reduce((s, i) => s + x[i]! * w[0]!.values[i * 16 + j]!, 0)),
        );
        const logits = [0, 1, 2].map((c) => w[3]!.values[c]! + hidden.reduce((s, h, j) => s + h * w[2]!.values[j * 3 + c]!, 0));
        if (logits[2]! > logits[0]! && logits[2]! > logits[1]!) count++;
      }
      return count;
    };
    const unweighted = await predictedRare('none');
    const balanced = await predictedRare('balanced');
    const explicit = await predictedRare({ c: 20 });
    expect(balanced).toBeGreaterThan(unweighted + 10);
    expect(explicit).toBeGreaterThan(unweighted + 10);
  });

  it('gives byte-identical models across runs and across intraOpNumThreads', async () => {
    const one = await modelBytes(classification({ intraOpNumThreads: 1 }));
    const again = await modelBytes(classification({ intraOpNumThreads: 1 }));
    const twoThreads = await modelBytes(classification({ intraOpNumThreads: 2 }));
    expect(again.equals(one)).toBe(true);
    expect(twoThreads.equals(one)).toBe(true);
    const otherSeed = await modelBytes(classification({ rng: new SeededRandom(43) }));
    expect(otherSeed.equals(one)).toBe(false);
  });
});

describe('train on a split in feature groups', () => {
  it('trains the same model, curve and best epoch as on the row-major split (one-hot groups fed as bytes)', async () => {
    const train = blobsWithOneHot(240, 1);
    const validation = blobsWithOneHot(60, 2);
    const featureNames = ['f0', 'g=x', 'g=y', 'f1', 'f2', 'g=z', 'f3'];
    const run = async (layout: 'rowMajor' | 'grouped') => {
      const params = classification({ featureNames, train: train[layout], validation: validation[layout] });
      const result = await trainResult(params);
      return { bytes: Buffer.from(serializeModel(buildModel({ graph: buildInferenceGraph(result.network, result.parameters) }))), result };
    };
    const rowMajor = await run('rowMajor');
    const grouped = await run('grouped');
    expect(grouped.bytes.equals(rowMajor.bytes)).toBe(true);
    expect(grouped.result.curve).toEqual(rowMajor.result.curve);
    expect(grouped.result.bestEpoch).toBe(rowMajor.result.bestEpoch);
  });

  it('names the first bad value row by row, as the row-major check does', async () => {
    const { grouped } = blobsWithOneHot(30, 1);
    grouped.groups[2]!.values[7 * 2 + 1] = NaN; // f2, row 8
    grouped.groups[0]!.values[9] = Infinity; // f0, row 10
    await expect(train(classification({ featureNames: ['f0', 'g=x', 'g=y', 'f1', 'f2', 'g=z', 'f3'], train: grouped }))).rejects.toThrow(
      /train split: feature 'f2' is NaN in row 8/,
    );
  });
});

describe('train refuses bad input with typed errors', () => {
  it('a NaN or infinite feature, naming split, row and feature', async () => {
    const data = blobs(30, 1);
    data.features[5 * 4 + 2] = NaN;
    await expect(train(classification({ train: data }))).rejects.toThrow(/train split: feature 'f2' is NaN in row 6/);
    const validation = blobs(30, 2);
    validation.features[0] = Infinity;
    await expect(train(classification({ validation }))).rejects.toThrow(/validation split: feature 'f0' is Infinity in row 1/);
  });

  it('a label column with one class', async () => {
    const data = blobs(30, 1);
    data.labels.fill(1);
    const error = await train(classification({ train: data })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/single class \('b'\)/);
    await expect(train(classification({ classes: ['only'] }))).rejects.toThrow(/at least 2 classes/);
  });

  it('empty splits', async () => {
    const empty: TrainingSplit = { features: new Float32Array(0), labels: new Float64Array(0), rows: 0 };
    await expect(train(classification({ train: empty }))).rejects.toThrow(/train split is empty/);
    await expect(train(classification({ validation: empty }))).rejects.toThrow(/early stopping needs a validation split/);
  });

  it('a feature count that does not match the feature names', async () => {
    await expect(train(classification({ featureNames: ['f0', 'f1', 'f2'] }))).rejects.toThrow(/names 3 features/);
  });

  it('a learning rate that makes the loss diverge, naming the epoch', async () => {
    const params: TrainParams = {
      model: { family: 'linear' },
      training: trainingConfigSchema.parse({ epochs: 50, batchSize: 10, optimizer: { type: 'sgd', learningRate: 5, momentum: 0.9 }, earlyStopping: false }),
      task: 'regression',
      featureNames: ['x0', 'x1'],
      train: line(100, 3),
      rng: new SeededRandom(1),
    };
    const error = await train(params).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as TrainingDivergedError).message).toMatch(/training diverged at epoch \d+/);
    expect((error as TrainingDivergedError).epoch).toBeGreaterThanOrEqual(1);
  });
});
