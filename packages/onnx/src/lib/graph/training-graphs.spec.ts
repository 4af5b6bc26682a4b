import { SeededRandom } from '@reproml/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { OptimizerConfig } from '../training/training-config';
import { attr } from './attribute';
import { GraphBuilder } from './graph-builder';
import { initialParameters, type Network, type Parameters, parameterShapes } from './network';
import { buildModel, serializeModel } from './onnx-model';
import { checkWithPythonOnnx } from './python-onnx-checker';
import {
  addGradients,
  buildEpochGraph,
  buildGradientGraph,
  chooseRowGathering,
  EPOCH_GATHER_BUDGET_BYTES,
  optimizerStateNames,
  type RowGathering,
} from './training-graphs';

const mlp: Network = { family: 'mlp', task: 'classification', loss: 'cross-entropy', inputSize: 3, hiddenLayers: [5, 4], outputSize: 3, dtype: 'float64' };
const linear: Network = { family: 'linear', task: 'regression', loss: 'mse', inputSize: 3, hiddenLayers: [], outputSize: 1, dtype: 'float64' };

interface Batch {
  features: Float64Array;
  targets: Float64Array;
  weights: Float64Array;
  rows: number;
}

function randomBatch(network: Network, rows: number, rng: SeededRandom): Batch {
  const features = Float64Array.from({ length: rows * network.inputSize }, () => rng.nextGaussian());
  const targets = new Float64Array(rows * network.outputSize);
  for (let row = 0; row < rows; row++) {
    if (network.task === 'classification') targets[row * network.outputSize + rng.nextInt(network.outputSize)] = 1;
    else targets[row] = rng.nextGaussian() * 3;
  }
  const weights = Float64Array.from({ length: rows }, () => 0.5 + rng.nextFloat());
  return { features, targets, weights, rows };
}

/** The class id of every one-hot row. */
function classIds(targets: Float64Array, classes: number): Int32Array {
  return Int32Array.from({ length: targets.length / classes }, (_, row) => targets.subarray(row * classes, (row + 1) * classes).indexOf(1));
}

function randomParameters(network: Network, rng: SeededRandom): Parameters {
  // Random even for linear models (which start at zero), so that every path is exercised.
  return initialParameters({ ...network, family: 'mlp' }, rng).map((tensor) => ({ ...tensor, values: tensor.values.map((value) => value * 2 + 0.1) }));
}

function feeds(network: Network, batch: Batch, parameters: Parameters): Record<string, ort.Tensor> {
  const result: Record<string, ort.Tensor> = {
    features: new ort.Tensor('float64', batch.features, [batch.rows, network.inputSize]),
    targets: new ort.Tensor('float64', batch.targets, [batch.rows, network.outputSize]),
    weights: new ort.Tensor('float64', batch.weights, [batch.rows, 1]),
  };
  for (const tensor of parameters) result[tensor.name] = new ort.Tensor('float64', tensor.values, [...tensor.dims]);
  return result;
}

/** Objective computed in plain JS, independently of the graph: weighted CE / MSE + λ/2·Σ‖W‖². */
function referenceObjective(network: Network, batch: Batch, parameters: Parameters, l2: number): number {
  let total = 0;
  let weightSum = 0;
  for (let row = 0; row < batch.rows; row++) {
    let activation = Array.from(batch.features.subarray(row * network.inputSize, (row + 1) * network.inputSize));
    const layers = parameters.length / 2;
    for (let layer = 0; layer < layers; layer++) {
      const weight = parameters[2 * layer]!;
      const bias = parameters[2 * layer + 1]!;
      const [fanIn, fanOut] = weight.dims as [number, number];
      const next = Array.from({ length: fanOut }, (_, j) => {
        let sum = bias.values[j]!;
        for (let i = 0; i < fanIn; i++) sum += activation[i]! * weight.values[i * fanOut + j]!;
        return sum;
      });
      activation = layer < layers - 1 ? next.map((value) => Math.max(0, value)) : next;
    }
    const target = batch.targets.subarray(row * network.outputSize, (row + 1) * network.outputSize);
    let loss: number;
    if (network.loss === 'cross-entropy') {
      const max = Math.max(...activation);
      const logSumExp = max + Math.log(activation.reduce((sum, value) => sum + Math.exp(value - max), 0));
      loss = -activation.reduce((sum, value, c) => sum + target[c]! * (value - logSumExp), 0);
    } else {
      loss = activation.reduce((sum, value, c) => sum + (value - target[c]!) ** 2, 0);
    }
    total += batch.weights[row]! * loss;
    weightSum += batch.weights[row]!;
  }
  let penalty = 0;
  for (let index = 0; index < parameters.length; index += 2) for (const value of parameters[index]!.values) penalty += value * value;
  return total / weightSum + (l2 / 2) * penalty;
}

async function gradientSession(network: Network, l2: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(serializeModel(buildModel({ graph: buildGradientGraph(network, l2) })));
}

describe.each([
  ['MLP, weighted cross-entropy, L2', mlp, 0.1],
  ['linear regression, weighted MSE', linear, 0],
])('training-step gradients: %s', (_label, network, l2) => {
  it('computes the objective the loss formula defines', async () => {
    const rng = new SeededRandom(7);
    const batch = randomBatch(network, 6, rng);
    const parameters = randomParameters(network, rng);
    const session = await gradientSession(network, l2);
    const out = await session.run(feeds(network, batch, parameters));
    expect((out.objective!.data as Float64Array)[0]).toBeCloseTo(referenceObjective(network, batch, parameters, l2), 12);
  });

  it('matches central finite differences for every parameter', async () => {
    const rng = new SeededRandom(11);
    const batch = randomBatch(network, 6, rng);
    const parameters = randomParameters(network, rng);
    const session = await gradientSession(network, l2);
    const out = await session.run(feeds(network, batch, parameters));
    const step = 1e-6;
    let checked = 0;
    for (const [index, tensor] of parameters.entries()) {
      const analytic = out[`grad.${tensor.name}`]!.data as Float64Array;
      for (let i = 0; i < tensor.values.length; i++) {
        const shifted = (delta: number): Parameters =>
          parameters.map((other, j) => (j === index ? { ...other, values: other.values.map((v, k) => (k === i ? v + delta : v)) } : other));
        const numeric = (referenceObjective(network, batch, shifted(step), l2) - referenceObjective(network, batch, shifted(-step), l2)) / (2 * step);
        expect(Math.abs(analytic[i]! - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
        checked++;
      }
    }
    expect(checked).toBe(parameterShapes(network).reduce((sum, { dims }) => sum + dims.reduce((a, b) => a * b, 1), 0));
  });
});

describe("the epoch graph's precomputed batch parts", () => {
  /**
   * One float32 batch of 37 rows through the per-batch formulas and through the parts the epoch
   * graph computes once per epoch (ones sliced from a longer vector, 1/row count gathered from a
   * vector of reciprocals, log p picked by class id, the loss sum negated afterwards): every bit equal.
   */
  it.each([
    ['unweighted', false],
    ['weighted', true],
  ])('give the bits of the per-batch formulas: %s cross-entropy, loss sum and gradients', async (_label, weighted) => {
    const network: Network = { ...mlp, dtype: 'float32' };
    const rows = 37;
    const rng = new SeededRandom(23);
    const batch = randomBatch(network, rows, rng);
    const g = new GraphBuilder('parts');
    // Rows and the scale's index known only at run time, as in the epoch graph: a constant 1/(row count) would let
    // onnxruntime fold it into the bias-gradient MatMul (MatMulScaleFusion), which rounds differently.
    g.input({ name: 'features', type: 'float32', shape: ['N', network.inputSize] });
    g.input({ name: 'targets', type: 'float32', shape: ['N', network.outputSize] });
    g.input({ name: 'labels', type: 'int32', shape: ['N', 1] });
    g.input({ name: 'index', type: 'int64', shape: [] });
    if (weighted) g.input({ name: 'weights', type: 'float32', shape: ['N', 1] });
    const parameters = parameterShapes(network).map(({ name, dims }) => g.input({ name, type: 'float32', shape: dims }));
    const common = { network, input: 'features', targets: 'targets', weights: weighted ? 'weights' : undefined, parameters, l2: 0.01 };
    const plain = addGradients(g, common);
    const counts = g.constant({ type: 'float32', dims: [2], values: [8, rows], hint: 'counts' });
    const longerOnes = g.op('ConstantOfShape', [g.int64s([rows + 5], 'length')], { value: attr.tensor({ type: 'float32', dims: [1], values: [1] }) });
    const precomputed = addGradients(g, {
      ...common,
      precomputed: {
        ones: g.op('Slice', [longerOnes, g.int64s([0], 'start'), g.int64s([rows], 'end')]),
        scale: weighted ? undefined : g.op('Gather', [g.op('Reciprocal', [counts]), 'index'], { axis: attr.int(0) }),
        labels: 'labels',
        negateLossSum: false,
      },
    });
    expect(precomputed.lossSumNegated).toBe(true);
    const pairs: [string, string][] = [
      [plain.lossSum, g.op('Neg', [precomputed.lossSum])],
      ...plain.gradients.map((name, index): [string, string] => [name, precomputed.gradients[index]!]),
    ];
    pairs.flat().forEach((name, index) => g.opTo(`out${index}`, 'Identity', [name]));
    pairs.flat().forEach((_, index) => g.output({ name: `out${index}`, type: 'float32' }));
    const session = await ort.InferenceSession.create(serializeModel(buildModel({ graph: g.build() })));
    const float = (values: ArrayLike<number>, dims: readonly number[]): ort.Tensor => new ort.Tensor('float32', Float32Array.from(values), [...dims]);
    const out = await session.run({
      features: float(batch.features, [rows, network.inputSize]),
      targets: float(batch.targets, [rows, network.outputSize]),
      labels: new ort.Tensor('int32', classIds(batch.targets, network.outputSize), [rows, 1]),
      index: new ort.Tensor('int64', BigInt64Array.of(1n), []),
      ...(weighted ? { weights: float(batch.weights, [rows, 1]) } : {}),
      ...Object.fromEntries(randomParameters(network, rng).map((tensor) => [tensor.name, float(tensor.values, tensor.dims)])),
    });
    const bytes = (index: number): Buffer => Buffer.from((out[`out${index}`]!.data as Float32Array).buffer.slice(0));
    pairs.forEach((_, pair) => expect(bytes(2 * pair + 1).equals(bytes(2 * pair)), `output ${pair}`).toBe(true));
    // Something was computed: a non-zero loss and gradients.
    expect((out.out0!.data as Float32Array)[0]).toBeGreaterThan(0);
  });
});

describe('epoch graph optimizer updates', () => {
  async function runEpochs(network: Network, optimizer: OptimizerConfig, batch: Batch, parameters: Parameters, epochs: number): Promise<Parameters> {
    const { graph, names } = buildEpochGraph({ network, optimizer, l2: 0, batchSize: batch.rows, rows: batch.rows });
    const session = await ort.InferenceSession.create(serializeModel(buildModel({ graph })));
    let current = parameters;
    let state: Float64Array[] = parameters.flatMap((tensor) => optimizerStateNames(optimizer, tensor.name).map(() => new Float64Array(tensor.values.length)));
    let step: ort.Tensor = new ort.Tensor('float64', Float64Array.of(0), []);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const input = feeds(network, batch, current);
      input.order = new ort.Tensor(
        'int32',
        Int32Array.from({ length: batch.rows }, (_, row) => row),
        [batch.rows],
      );
      input.batch_count = new ort.Tensor('int64', BigInt64Array.of(1n), []);
      input.step = step;
      state.forEach(
        (values, index) =>
          (input[names.state[index]!] = new ort.Tensor('float64', values, [...current[Math.floor(index / (state.length / current.length))]!.dims])),
      );
      const out = await session.run(input);
      current = current.map((tensor, index) => ({ ...tensor, values: out[names.parametersOut[index]!]!.data as Float64Array }));
      state = names.stateOut.map((name) => out[name]!.data as Float64Array);
      step = out[names.stepOut] as ort.Tensor;
    }
    return current;
  }

  async function gradients(network: Network, batch: Batch, parameters: Parameters): Promise<Float64Array[]> {
    const out = await (await gradientSession(network, 0)).run(feeds(network, batch, parameters));
    return parameters.map((tensor) => out[`grad.${tensor.name}`]!.data as Float64Array);
  }

  it('SGD with momentum follows v ← μv + g, p ← p − lr·v', async () => {
    const rng = new SeededRandom(3);
    const batch = randomBatch(mlp, 8, rng);
    const start = randomParameters(mlp, rng);
    const optimizer: OptimizerConfig = { type: 'sgd', learningRate: 0.1, momentum: 0.9 };
    let expected = start;
    let velocity = start.map((tensor) => new Float64Array(tensor.values.length));
    for (let epoch = 0; epoch < 2; epoch++) {
      const grads = await gradients(mlp, batch, expected);
      velocity = velocity.map((v, index) => v.map((value, i) => 0.9 * value + grads[index]![i]!));
      expected = expected.map((tensor, index) => ({ ...tensor, values: tensor.values.map((value, i) => value - 0.1 * velocity[index]![i]!) }));
    }
    const actual = await runEpochs(mlp, optimizer, batch, start, 2);
    actual.forEach((tensor, index) => tensor.values.forEach((value, i) => expect(value).toBeCloseTo(expected[index]!.values[i]!, 12)));
  });

  it("Adam follows PyTorch's update with bias correction", async () => {
    const rng = new SeededRandom(5);
    const batch = randomBatch(mlp, 8, rng);
    const start = randomParameters(mlp, rng);
    const optimizer: OptimizerConfig = { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    let expected = start;
    let m = start.map((tensor) => new Float64Array(tensor.values.length));
    let v = start.map((tensor) => new Float64Array(tensor.values.length));
    for (let t = 1; t <= 3; t++) {
      const grads = await gradients(mlp, batch, expected);
      m = m.map((values, index) => values.map((value, i) => 0.9 * value + 0.1 * grads[index]![i]!));
      v = v.map((values, index) => values.map((value, i) => 0.999 * value + 0.001 * grads[index]![i]! ** 2));
      expected = expected.map((tensor, index) => ({
        ...tensor,
        values: tensor.values.map(
          (value, i) => value - (0.01 / (1 - 0.9 ** t)) * (m[index]![i]! / (Math.sqrt(v[index]![i]!) / Math.sqrt(1 - 0.999 ** t) + 1e-8)),
        ),
      }));
    }
    const actual = await runEpochs(mlp, optimizer, batch, start, 3);
    actual.forEach((tensor, index) => tensor.values.forEach((value, i) => expect(value).toBeCloseTo(expected[index]!.values[i]!, 10)));
  });
});

describe('epoch graph variants train the same bits', () => {
  /** Two shuffled float32 epochs of 37 rows in batches of 8 (the last one 5 rows); every output's bytes. */
  async function twoEpochs(
    rowGathering: RowGathering,
    network: Network,
    optimizer: OptimizerConfig,
    weights: 'random' | 'ones' | 'left out' = 'random',
    targets: 'one-hot' | 'labels' = 'one-hot',
  ): Promise<Buffer[]> {
    const rng = new SeededRandom(17);
    const rows = 37;
    const batch = randomBatch(network, rows, rng);
    if (weights !== 'random') batch.weights.fill(1);
    const weighted = weights !== 'left out';
    const labels = targets === 'labels';
    const { graph, names } = buildEpochGraph({
      network: { ...network, dtype: 'float32' },
      optimizer,
      l2: 0.01,
      batchSize: 8,
      rows,
      rowGathering,
      weighted,
      labels,
    });
    const session = await ort.InferenceSession.create(serializeModel(buildModel({ graph })));
    const float = (values: ArrayLike<number>, dims: readonly number[]): ort.Tensor => new ort.Tensor('float32', Float32Array.from(values), [...dims]);
    let parameters = randomParameters(network, rng).map((tensor) => float(tensor.values, tensor.dims));
    let state = parameterShapes(network).flatMap(({ name, dims }) =>
      optimizerStateNames(optimizer, name).map(() => float(new Float64Array(dims.reduce((a, b) => a * b, 1)), dims)),
    );
    let step: ort.Tensor = new ort.Tensor('float32', Float32Array.of(0), []);
    const outputs: Buffer[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      const out = await session.run({
        features: float(batch.features, [rows, network.inputSize]),
        ...(labels
          ? { labels: new ort.Tensor('int32', classIds(batch.targets, network.outputSize), [rows]) }
          : { targets: float(batch.targets, [rows, network.outputSize]) }),
        ...(weighted ? { weights: float(batch.weights, [rows, 1]) } : {}),
        order: new ort.Tensor('int32', Int32Array.from(rng.permutation(rows)), [rows]),
        batch_count: new ort.Tensor('int64', BigInt64Array.of(5n), []),
        step,
        ...Object.fromEntries(names.parameters.map((name, index) => [name, parameters[index]!])),
        ...Object.fromEntries(names.state.map((name, index) => [name, state[index]!])),
      });
      parameters = names.parametersOut.map((name) => out[name]!);
      state = names.stateOut.map((name) => out[name]!);
      step = out[names.stepOut]!;
      outputs.push(...Object.values(out).map((tensor) => Buffer.from((tensor.data as Float32Array).buffer.slice(0))));
    }
    return outputs;
  }

  it.each([
    ['MLP, weighted cross-entropy, Adam', mlp, { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as OptimizerConfig],
    ['linear regression, SGD', linear, { type: 'sgd', learningRate: 0.05, momentum: 0.9 } as OptimizerConfig],
  ])('gathering the epoch once and slicing batches trains the same bits as gathering per batch: %s', async (_label, network, optimizer) => {
    const perBatch = await twoEpochs('batch', network, optimizer);
    const perEpoch = await twoEpochs('epoch', network, optimizer);
    expect(perEpoch.length).toBe(perBatch.length);
    perEpoch.forEach((bytes, index) => expect(bytes.equals(perBatch[index]!)).toBe(true));
    // The epochs did train: the parameters moved.
    expect(perBatch[0]!.equals(perBatch[perBatch.length / 2]!)).toBe(false);
  });

  it.each([
    ['MLP, cross-entropy, Adam', mlp, { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as OptimizerConfig],
    ['linear regression, MSE, SGD', linear, { type: 'sgd', learningRate: 0.05, momentum: 0.9 } as OptimizerConfig],
  ])('leaving the weights out trains the same bits as weights of 1: %s', async (_label, network, optimizer) => {
    for (const rowGathering of ['epoch', 'batch'] as const) {
      const ones = await twoEpochs(rowGathering, network, optimizer, 'ones');
      const leftOut = await twoEpochs(rowGathering, network, optimizer, 'left out');
      expect(leftOut.length).toBe(ones.length);
      leftOut.forEach((bytes, index) => expect(bytes.equals(ones[index]!)).toBe(true));
    }
  });

  it.each([
    ['weighted', 'random'],
    ['unweighted', 'left out'],
  ] as const)('class ids one-hot in the graph train the same bits as one-hot targets (%s cross-entropy, Adam)', async (_label, weights) => {
    const optimizer: OptimizerConfig = { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    for (const rowGathering of ['epoch', 'batch'] as const) {
      const oneHot = await twoEpochs(rowGathering, mlp, optimizer, weights, 'one-hot');
      const labels = await twoEpochs(rowGathering, mlp, optimizer, weights, 'labels');
      expect(labels.length).toBe(oneHot.length);
      labels.forEach((bytes, index) => expect(bytes.equals(oneHot[index]!)).toBe(true));
    }
  });

  it('takes class ids only for cross-entropy', () => {
    expect(() =>
      buildEpochGraph({ network: linear, optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0 }, l2: 0, batchSize: 8, rows: 8, labels: true }),
    ).toThrow(/classifier/);
  });

  // 203 rows in batches of 40: every Scan slice of 40 weights but the first starts off a 64-byte boundary, where a
  // ReduceSum over the slice itself would sum in another order.
  it.each([
    ['37 rows in batches of 8, per epoch, unweighted', 37, 8, 'epoch', 'left out'],
    ['37 rows in batches of 8, per batch, weighted', 37, 8, 'batch', 'random'],
    ['203 rows in batches of 40, per epoch, weighted', 203, 40, 'epoch', 'random'],
  ] as const)(
    'an epoch (full batches in the Scan, a shorter last one) trains the bits of one-batch epochs in turn: %s',
    async (_label, rows, batchSize, rowGathering, weights) => {
      const network: Network = { ...mlp, dtype: 'float32' };
      const optimizer: OptimizerConfig = { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
      const rng = new SeededRandom(29);
      const batch = randomBatch(network, rows, rng);
      const weighted = weights === 'random';
      const float = (values: ArrayLike<number>, dims: readonly number[]): ort.Tensor => new ort.Tensor('float32', Float32Array.from(values), [...dims]);
      const order = rng.permutation(rows);
      const start = randomParameters(network, rng).map((tensor) => float(tensor.values, tensor.dims));
      /** One epoch over the rows `picked` (in that order) in batches of `batchSize`, from `from`. */
      const epoch = async (picked: readonly number[], from: { parameters: ort.Tensor[]; state: ort.Tensor[]; step: ort.Tensor }) => {
        const { graph, names } = buildEpochGraph({ network, optimizer, l2: 0.01, batchSize, rows: picked.length, rowGathering, weighted, labels: true });
        const session = await ort.InferenceSession.create(serializeModel(buildModel({ graph })));
        const select = (values: Float64Array, width: number) => picked.flatMap((row) => Array.from(values.subarray(row * width, (row + 1) * width)));
        const out = await session.run({
          features: float(select(batch.features, network.inputSize), [picked.length, network.inputSize]),
          labels: new ort.Tensor(
            'int32',
            Int32Array.from(picked, (row) => classIds(batch.targets, network.outputSize)[row]!),
            [picked.length],
          ),
          ...(weighted ? { weights: float(select(batch.weights, 1), [picked.length, 1]) } : {}),
          order: new ort.Tensor(
            'int32',
            Int32Array.from(picked, (_, index) => index),
            [picked.length],
          ),
          batch_count: new ort.Tensor('int64', BigInt64Array.of(BigInt(Math.ceil(picked.length / batchSize))), []),
          step: from.step,
          ...Object.fromEntries(names.parameters.map((name, index) => [name, from.parameters[index]!])),
          ...Object.fromEntries(names.state.map((name, index) => [name, from.state[index]!])),
        });
        return {
          parameters: names.parametersOut.map((name) => out[name]!),
          state: names.stateOut.map((name) => out[name]!),
          step: out[names.stepOut]!,
          lossSums: Array.from(out[names.batchLossSums]!.data as Float32Array),
          weightSums: Array.from(out[names.batchWeightSums]!.data as Float32Array),
        };
      };
      const initial = {
        parameters: start,
        state: parameterShapes(network).flatMap(({ name, dims }) =>
          optimizerStateNames(optimizer, name).map(() => float(new Float64Array(dims.reduce((a, b) => a * b, 1)), dims)),
        ),
        step: new ort.Tensor('float32', Float32Array.of(0), []) as ort.Tensor,
      };
      const whole = await epoch(Array.from(order), initial);
      let current = initial;
      const lossSums: number[] = [];
      const weightSums: number[] = [];
      for (let first = 0; first < rows; first += batchSize) {
        const one = await epoch(Array.from(order.subarray(first, first + batchSize)), current);
        current = one;
        lossSums.push(...one.lossSums);
        weightSums.push(...one.weightSums);
      }
      const bytes = (tensor: ort.Tensor): Buffer => Buffer.from((tensor.data as Float32Array).buffer.slice(0));
      [...whole.parameters, ...whole.state, whole.step].forEach((tensor, index) =>
        expect(bytes(tensor).equals(bytes([...current.parameters, ...current.state, current.step][index]!)), `output ${index}`).toBe(true),
      );
      expect(whole.lossSums).toEqual(lossSums);
      expect(whole.weightSums).toEqual(weightSums);
      expect(whole.lossSums).toHaveLength(Math.ceil(rows / batchSize));
      if (!weighted) expect(whole.weightSums).toEqual([8, 8, 8, 8, 5]);
    },
  );

  it('gathers per epoch only while the shuffled copy fits the budget', () => {
    const network: Network = { ...mlp, inputSize: 61, outputSize: 2, dtype: 'float32' };
    const rowsThatFit = Math.floor(EPOCH_GATHER_BUDGET_BYTES / ((61 + 2 + 1) * 4 + 8 + 4));
    expect(chooseRowGathering(network, rowsThatFit)).toBe('epoch');
    expect(chooseRowGathering(network, rowsThatFit + 1)).toBe('batch');
    expect(chooseRowGathering({ ...network, dtype: 'float64' }, rowsThatFit)).toBe('batch');
  });
});

describe('training graphs and the strict ONNX checker', () => {
  const network: Network = { ...mlp, dtype: 'float32' };
  const graphs = [
    buildEpochGraph({ network, optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, l2: 0.01, batchSize: 16, rows: 40 })
      .graph,
    buildEpochGraph({
      network,
      optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      l2: 0,
      batchSize: 16,
      rows: 40,
      rowGathering: 'epoch',
    }).graph,
    buildEpochGraph({ network: { ...linear, dtype: 'float32' }, optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, l2: 0, batchSize: 16, rows: 40 })
      .graph,
    buildEpochGraph({ network, optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, l2: 0, batchSize: 16, rows: 32, weighted: false }).graph,
    buildEpochGraph({
      network,
      optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 },
      l2: 0,
      batchSize: 16,
      rows: 40,
      rowGathering: 'epoch',
      labels: true,
    }).graph,
    buildEpochGraph({
      network,
      optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 },
      l2: 0,
      batchSize: 16,
      rows: 7,
      rowGathering: 'batch',
      labels: true,
    }).graph,
    buildGradientGraph(network, 0.1),
  ];
  const results = graphs.map((graph) => checkWithPythonOnnx(serializeModel(buildModel({ graph }))));
  const first = results[0]!;
  it.skipIf(!first.available)(`epoch (Loop) and gradient graphs pass onnx.checker full_check${first.available ? '' : ` — SKIPPED: ${first.reason}`}`, () => {
    for (const result of results) expect(result.available && result.valid ? 'valid' : result).toBe('valid');
  });
});
