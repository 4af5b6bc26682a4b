import type { onnx } from 'onnx-proto';
import { attr } from './attribute';
import { GraphBuilder } from './graph-builder';
import { layerSizes, parameterShapes, type FloatType, type Network } from './network';
import type { OptimizerConfig } from './training-config';

/**
 * The graphs that train a dense network in onnxruntime-node, which has no training API:
 * forward pass, hand-derived backward pass and optimizer update, as plain ONNX ops
 * (opset 17). Weights and optimizer state go in as inputs and come out updated.
 */


interface ForwardResult {
  /** Logits (classification) or predictions (regression), [b, outputSize]. */
  output: string;
  /** Pre-activations of the hidden layers (for the ReLU backward pass). */
  hiddenPre: string[];
  /** Input of every layer: the batch, then each hidden activation. */
  layerInputs: string[];
}

export function addForward(g: GraphBuilder, network: Network, input: string, parameters: readonly string[]): ForwardResult {
  const layers = layerSizes(network).length;
  const hiddenPre: string[] = [];
  const layerInputs: string[] = [];
  let current = input;
  for (let layer = 0; layer < layers; layer++) {
    layerInputs.push(current);
    const pre = g.op('Gemm', [current, parameters[2 * layer]!, parameters[2 * layer + 1]!]);
    if (layer === layers - 1) return { output: pre, hiddenPre, layerInputs };
    hiddenPre.push(pre);
    current = g.op('Relu', [pre]);
  }
  throw new Error('a network has at least one layer');
}

interface LossResult {
  /** Σ wᵢ·lossᵢ over the batch (scalar). */
  lossSum: string;
  /** Σ wᵢ (scalar). */
  weightSum: string;
  /** ∂(Σ wᵢ·lossᵢ / Σ wᵢ)/∂output, [b, outputSize]. */
  outputGradient: string;
}

/** Sample-weighted loss of a batch (PyTorch's `weight` + mean reduction: Σ wᵢ·lossᵢ / Σ wᵢ) and its gradient. */
export function addLoss(g: GraphBuilder, network: Network, output: string, targets: string, weights: string): LossResult {
  const weightSum = g.op('ReduceSum', [weights], { keepdims: attr.int(0) });
  const scale = g.op('Div', [weights, weightSum]);
  if (network.loss === 'cross-entropy') {
    const logProbabilities = g.op('LogSoftmax', [output], { axis: attr.int(1) });
    const picked = g.op('ReduceSum', [g.op('Mul', [targets, logProbabilities]), g.int64s([1], 'axis1')], { keepdims: attr.int(1) });
    const lossSum = g.op('Neg', [g.op('ReduceSum', [g.op('Mul', [weights, picked])], { keepdims: attr.int(0) })]);
    const residual = g.op('Sub', [g.op('Exp', [logProbabilities]), targets]);
    return { lossSum, weightSum, outputGradient: g.op('Mul', [residual, scale]) };
  }
  const difference = g.op('Sub', [output, targets]);
  const squared = g.op('ReduceSum', [g.op('Mul', [difference, difference]), g.int64s([1], 'axis1')], { keepdims: attr.int(1) });
  const lossSum = g.op('ReduceSum', [g.op('Mul', [weights, squared])], { keepdims: attr.int(0) });
  const twice = g.op('Mul', [scale, g.scalar(network.dtype, 2, 'two')]);
  return { lossSum, weightSum, outputGradient: g.op('Mul', [difference, twice]) };
}

interface ObjectiveResult extends LossResult {
  /** Data loss + L2 penalty (scalar): what the gradients are of. */
  objective: string;
  gradients: string[];
}

/** Forward, loss, L2 penalty λ/2·Σ‖W‖² and the backward pass: gradients in parameter order. */
export function addObjectiveAndGradients(
  g: GraphBuilder,
  params: { network: Network; input: string; targets: string; weights: string; parameters: readonly string[]; l2: number },
): ObjectiveResult {
  const { network, parameters } = params;
  const forward = addForward(g, network, params.input, parameters);
  const loss = addLoss(g, network, forward.output, params.targets, params.weights);
  let objective = g.op('Div', [loss.lossSum, loss.weightSum]);
  const layers = layerSizes(network).length;
  const l2 = params.l2 > 0 ? g.scalar(network.dtype, params.l2, 'l2') : undefined;
  if (l2) {
    const squares = Array.from({ length: layers }, (_, layer) =>
      g.op('ReduceSumSquare', [parameters[2 * layer]!], { keepdims: attr.int(0) }),
    );
    const total = squares.length === 1 ? squares[0]! : g.op('Sum', squares);
    objective = g.op('Add', [objective, g.op('Mul', [total, g.scalar(network.dtype, params.l2 / 2, 'half_l2')])]);
  }

  const gradients: string[] = new Array(parameters.length);
  // Only networks with hidden layers need the ReLU mask's zero (an unused initializer makes onnxruntime warn).
  const zero = layers > 1 ? g.scalar(network.dtype, 0, 'zero') : '';
  const axis0 = g.int64s([0], 'axis0');
  let outputGradient = loss.outputGradient;
  for (let layer = layers - 1; layer >= 0; layer--) {
    const weight = parameters[2 * layer]!;
    let weightGradient = g.op('Gemm', [forward.layerInputs[layer]!, outputGradient], { transA: attr.int(1) });
    if (l2) weightGradient = g.op('Add', [weightGradient, g.op('Mul', [weight, l2])]);
    gradients[2 * layer] = weightGradient;
    gradients[2 * layer + 1] = g.op('ReduceSum', [outputGradient, axis0], { keepdims: attr.int(0) });
    if (layer > 0) {
      const inputGradient = g.op('Gemm', [outputGradient, weight], { transB: attr.int(1) });
      const active = g.op('Greater', [forward.hiddenPre[layer - 1]!, zero]);
      outputGradient = g.op('Where', [active, inputGradient, zero]);
    }
  }
  return { ...loss, objective, gradients };
}

/** Names of the optimizer state tensors of one parameter (same shape as the parameter). */
export function optimizerStateNames(optimizer: OptimizerConfig, parameter: string): string[] {
  return optimizer.type === 'adam' ? [`${parameter}.adam_m`, `${parameter}.adam_v`] : [`${parameter}.velocity`];
}

interface UpdateResult {
  parameters: string[];
  state: string[];
  step: string;
}

/**
 * One optimizer step, in PyTorch's formulation so results can be compared:
 * SGD: v ← μv + g, p ← p − lr·v. Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * p ← p − (lr / (1−β₁ᵗ))·m / (√v / √(1−β₂ᵗ) + ε).
 */
export function addOptimizerUpdate(
  g: GraphBuilder,
  params: { dtype: FloatType; optimizer: OptimizerConfig; parameters: readonly string[]; gradients: readonly string[]; state: readonly string[]; step: string },
): UpdateResult {
  const { dtype, optimizer } = params;
  const c = (value: number, hint: string): string => g.scalar(dtype, value, hint);
  const step = g.op('Add', [params.step, c(1, 'one')]);
  const parameters: string[] = [];
  const state: string[] = [];
  if (optimizer.type === 'sgd') {
    const momentum = c(optimizer.momentum, 'momentum');
    const learningRate = c(optimizer.learningRate, 'lr');
    params.parameters.forEach((parameter, index) => {
      const velocity = g.op('Add', [g.op('Mul', [params.state[index]!, momentum]), params.gradients[index]!]);
      parameters.push(g.op('Sub', [parameter, g.op('Mul', [velocity, learningRate])]));
      state.push(velocity);
    });
    return { parameters, state, step };
  }
  const one = c(1, 'one');
  const beta1 = c(optimizer.beta1, 'beta1');
  const beta2 = c(optimizer.beta2, 'beta2');
  const stepSize = g.op('Div', [c(optimizer.learningRate, 'lr'), g.op('Sub', [one, g.op('Pow', [beta1, step])])]);
  const correction2 = g.op('Sqrt', [g.op('Sub', [one, g.op('Pow', [beta2, step])])]);
  const oneMinusBeta1 = c(1 - optimizer.beta1, 'one_minus_beta1');
  const oneMinusBeta2 = c(1 - optimizer.beta2, 'one_minus_beta2');
  const epsilon = c(optimizer.epsilon, 'epsilon');
  params.parameters.forEach((parameter, index) => {
    const gradient = params.gradients[index]!;
    const m = g.op('Add', [g.op('Mul', [params.state[2 * index]!, beta1]), g.op('Mul', [gradient, oneMinusBeta1])]);
    const squared = g.op('Mul', [gradient, gradient]);
    const v = g.op('Add', [g.op('Mul', [params.state[2 * index + 1]!, beta2]), g.op('Mul', [squared, oneMinusBeta2])]);
    const denominator = g.op('Add', [g.op('Div', [g.op('Sqrt', [v]), correction2]), epsilon]);
    parameters.push(g.op('Sub', [parameter, g.op('Mul', [stepSize, g.op('Div', [m, denominator])])]));
    state.push(m, v);
  });
  return { parameters, state, step };
}

/** Graph input names of a network's batch tensors. */
export const BATCH_INPUTS = { features: 'features', targets: 'targets', weights: 'weights' } as const;

function declareData(g: GraphBuilder, network: Network, rows: number | string): void {
  g.input({ name: BATCH_INPUTS.features, type: network.dtype, shape: [rows, network.inputSize] });
  g.input({ name: BATCH_INPUTS.targets, type: network.dtype, shape: [rows, network.outputSize] });
  g.input({ name: BATCH_INPUTS.weights, type: network.dtype, shape: [rows, 1] });
}

function declareParameters(g: GraphBuilder, network: Network): string[] {
  return parameterShapes(network).map(({ name, dims }) => g.input({ name, type: network.dtype, shape: dims }));
}

/** Objective and gradients of one batch: for gradient checks. Outputs `objective` and `grad.<parameter>`. */
export function buildGradientGraph(network: Network, l2: number): onnx.IGraphProto {
  const g = new GraphBuilder('gradient');
  declareData(g, network, 'N');
  const parameters = declareParameters(g, network);
  const result = addObjectiveAndGradients(g, { network, input: BATCH_INPUTS.features, targets: BATCH_INPUTS.targets, weights: BATCH_INPUTS.weights, parameters, l2 });
  g.opTo('objective', 'Identity', [result.objective]);
  g.output({ name: 'objective', type: network.dtype, shape: [] });
  parameterShapes(network).forEach(({ name, dims }, index) => {
    g.opTo(`grad.${name}`, 'Identity', [result.gradients[index]!]);
    g.output({ name: `grad.${name}`, type: network.dtype, shape: dims });
  });
  return g.build();
}

/** Forward pass and data loss over a whole split (validation): outputs `output`, `lossSum`, `weightSum`. */
export function buildEvaluationGraph(network: Network): onnx.IGraphProto {
  const g = new GraphBuilder('evaluation');
  declareData(g, network, 'N');
  const parameters = declareParameters(g, network);
  const forward = addForward(g, network, BATCH_INPUTS.features, parameters);
  const loss = addLoss(g, network, forward.output, BATCH_INPUTS.targets, BATCH_INPUTS.weights);
  g.opTo('output', 'Identity', [forward.output]);
  g.opTo('lossSum', 'Identity', [loss.lossSum]);
  g.opTo('weightSum', 'Identity', [loss.weightSum]);
  g.output({ name: 'output', type: network.dtype, shape: ['N', network.outputSize] });
  g.output({ name: 'lossSum', type: network.dtype, shape: [] });
  g.output({ name: 'weightSum', type: network.dtype, shape: [] });
  return g.build();
}

export interface EpochGraphParams {
  network: Network;
  optimizer: OptimizerConfig;
  l2: number;
  batchSize: number;
}

/** Input/output names of the epoch graph, in the order the trainer feeds and reads them. */
export interface EpochGraphNames {
  order: string;
  batchCount: string;
  parameters: string[];
  state: string[];
  step: string;
  parametersOut: string[];
  stateOut: string[];
  stepOut: string;
  batchLossSums: string;
  batchWeightSums: string;
}

export const EPOCH_INPUTS = { order: 'order', batchCount: 'batch_count', step: 'step' } as const;

/**
 * A whole epoch in one `run`: an ONNX Loop over the mini-batches, each one gathered from
 * the full training split by a (seeded, shuffled) row order, then forward + backward +
 * update. One run per epoch instead of per batch saves the per-call overhead (~30% CPU in
 * the prototype). The last batch may be shorter: Slice clamps the end to the row count.
 */
export function buildEpochGraph(params: EpochGraphParams): { graph: onnx.IGraphProto; names: EpochGraphNames } {
  const { network, optimizer } = params;
  const g = new GraphBuilder('epoch');
  declareData(g, network, 'N');
  g.input({ name: EPOCH_INPUTS.order, type: 'int64', shape: ['N'] });
  g.input({ name: EPOCH_INPUTS.batchCount, type: 'int64', shape: [] });
  const shapes = parameterShapes(network);
  const parameters = declareParameters(g, network);
  const stateShapes = shapes.flatMap(({ name, dims }) => optimizerStateNames(optimizer, name).map((stateName) => ({ name: stateName, dims })));
  const state = stateShapes.map(({ name, dims }) => g.input({ name, type: network.dtype, shape: dims }));
  g.input({ name: EPOCH_INPUTS.step, type: network.dtype, shape: [] });

  const body = g.subgraph('batch');
  const iteration = body.input({ name: body.fresh('iteration'), type: 'int64', shape: [] });
  const condition = body.input({ name: body.fresh('condition'), type: 'bool', shape: [] });
  const carriedIn = [...shapes, ...stateShapes].map(({ name, dims }) => body.input({ name: body.fresh(name), type: network.dtype, shape: dims }));
  const stepIn = body.input({ name: body.fresh('step'), type: network.dtype, shape: [] });

  const batchSize = body.int64s([params.batchSize], 'batch_size');
  const start = body.op('Mul', [body.op('Reshape', [iteration, body.int64s([1], 'shape1')]), batchSize]);
  const end = body.op('Add', [start, batchSize]);
  const rows = body.op('Slice', [EPOCH_INPUTS.order, start, end]);
  const gather = (source: string): string => body.op('Gather', [source, rows], { axis: attr.int(0) });
  const result = addObjectiveAndGradients(body, {
    network,
    input: gather(BATCH_INPUTS.features),
    targets: gather(BATCH_INPUTS.targets),
    weights: gather(BATCH_INPUTS.weights),
    parameters: carriedIn.slice(0, shapes.length),
    l2: params.l2,
  });
  const update = addOptimizerUpdate(body, {
    dtype: network.dtype,
    optimizer,
    parameters: carriedIn.slice(0, shapes.length),
    gradients: result.gradients,
    state: carriedIn.slice(shapes.length),
    step: stepIn,
  });
  const conditionOut = body.op('Identity', [condition]);
  body.output({ name: conditionOut, type: 'bool', shape: [] });
  [...update.parameters, ...update.state].forEach((name, index) => {
    body.output({ name, type: network.dtype, shape: [...shapes, ...stateShapes][index]!.dims });
  });
  body.output({ name: update.step, type: network.dtype, shape: [] });
  body.output({ name: result.lossSum, type: network.dtype, shape: [] });
  body.output({ name: result.weightSum, type: network.dtype, shape: [] });

  const names: EpochGraphNames = {
    order: EPOCH_INPUTS.order,
    batchCount: EPOCH_INPUTS.batchCount,
    parameters,
    state,
    step: EPOCH_INPUTS.step,
    parametersOut: parameters.map((name) => `${name}.next`),
    stateOut: state.map((name) => `${name}.next`),
    stepOut: `${EPOCH_INPUTS.step}.next`,
    batchLossSums: 'batch_loss_sums',
    batchWeightSums: 'batch_weight_sums',
  };
  g.node({
    opType: 'Loop',
    inputs: [EPOCH_INPUTS.batchCount, '', ...parameters, ...state, EPOCH_INPUTS.step],
    outputs: [...names.parametersOut, ...names.stateOut, names.stepOut, names.batchLossSums, names.batchWeightSums],
    attributes: { body: attr.graph(body.build()) },
  });
  [...shapes, ...stateShapes].forEach(({ dims }, index) => {
    g.output({ name: [...names.parametersOut, ...names.stateOut][index]!, type: network.dtype, shape: dims });
  });
  g.output({ name: names.stepOut, type: network.dtype, shape: [] });
  g.output({ name: names.batchLossSums, type: network.dtype, shape: ['batches'] });
  g.output({ name: names.batchWeightSums, type: network.dtype, shape: ['batches'] });
  return { graph: g.build(), names };
}

