import type { onnx } from 'onnx-proto';
import type { OptimizerConfig } from '../training/training-config';
import { attr } from './attribute';
import { GraphBuilder } from './graph-builder';
import { type FloatType, layerSizes, type Network, parameterShapes } from './network';
import { onnxDataType } from './onnx-types';

/**
 * The graphs that train a dense network in onnxruntime-node, which has no training API:
 * forward pass, hand-derived backward pass and optimizer update, as plain ONNX ops
 * (opset 17). Weights and optimizer state go in as inputs and come out updated.
 */

interface ForwardResult {
  /** Logits (classification) or predictions (regression), [b, outputSize]. */
  output: string;
  /** Input of every layer: the batch, then each hidden activation (ReLU output). */
  layerInputs: string[];
}

/**
 * The network's forward pass. `transposedWeights[layer]` says that layer's weight tensor is
 * given as [out, in] instead of [in, out] (see `flatParameterLayout`).
 */
export function addForward(
  g: GraphBuilder,
  network: Network,
  input: string,
  parameters: readonly string[],
  transposedWeights: readonly boolean[] = [],
): ForwardResult {
  const layers = layerSizes(network).length;
  const layerInputs: string[] = [];
  let current = input;
  for (let layer = 0; layer < layers; layer++) {
    layerInputs.push(current);
    const pre = g.op('Gemm', [current, parameters[2 * layer]!, parameters[2 * layer + 1]!], transposedWeights[layer] ? { transB: attr.int(1) } : undefined);
    if (layer === layers - 1) return { output: pre, layerInputs };
    current = g.op('Relu', [pre]);
  }
  throw new Error('a network has at least one layer');
}

interface LossResult {
  /** Σ wᵢ·lossᵢ over the batch (scalar); −Σ wᵢ·lossᵢ when `lossSumNegated`. */
  lossSum: string;
  /** Cross-entropy with `BatchPrecomputed.negateLossSum` false: `lossSum` is Σ wᵢ·log pᵢ, the caller negates it. */
  lossSumNegated: boolean;
  /** Σ wᵢ (scalar); undefined when the caller gave 1/Σ wᵢ (`BatchPrecomputed.scale`). */
  weightSum: string | undefined;
  /** ∂(Σ wᵢ·lossᵢ / Σ wᵢ)/∂output, [b, outputSize]. */
  outputGradient: string;
}

/**
 * What the epoch graph computes once per epoch (or more cheaply) for each batch's loss and
 * gradients, so that the per-batch step does not: each the same values as the step's own nodes.
 */
export interface BatchPrecomputed {
  /** The batch's ones [b] (a `Slice` of the epoch's; else Shape + ConstantOfShape per batch). */
  ones?: string;
  /** Unweighted: 1/(row count) of the batch (scalar), instead of `Reciprocal(ReduceSum(ones))`; no `weightSum` then. */
  scale?: string;
  /** Cross-entropy: the batch's class ids [b, 1]; log pᵢ is picked with `GatherElements` instead of Σ targets·log p. */
  labels?: string;
  /** Cross-entropy: false leaves the loss sum's `Neg` to the caller (see `LossResult.lossSumNegated`); default true. */
  negateLossSum?: boolean;
}

/**
 * Sample-weighted loss of a batch (PyTorch's `weight` + mean reduction: Σ wᵢ·lossᵢ / Σ wᵢ) and its
 * gradient. `weights` undefined: every weight is 1, so Σ wᵢ is the row count (a sum of the
 * batch's `ones`, exact) and wᵢ / Σ wᵢ one scalar: the same values as weights of 1 (×1 is exact),
 * three fewer nodes per batch and no weights to gather.
 */
export function addLoss(
  g: GraphBuilder,
  params: { network: Network; output: string; targets: string; weights: string | undefined; precomputed?: BatchPrecomputed },
): LossResult {
  const { network, output, targets, weights } = params;
  const precomputed = params.precomputed ?? {};
  const given = weights ? undefined : precomputed.scale;
  const weightSum = given ? undefined : g.op('ReduceSum', [weights ?? precomputed.ones ?? addBatchOnes(g, network.dtype, output)], { keepdims: attr.int(0) });
  // Reciprocal, not Div(1, Σ): onnxruntime rewrites Div(1, x) followed by Mul into one Div, which rounds differently.
  const scale = given ?? (weights ? g.op('Div', [weights, weightSum!]) : g.op('Reciprocal', [weightSum!]));
  /** Σ wᵢ·lossᵢ of per-row losses [b, 1]. */
  const weightedSum = (losses: string): string => g.op('ReduceSum', [weights ? g.op('Mul', [weights, losses]) : losses], { keepdims: attr.int(0) });
  if (network.loss === 'cross-entropy') {
    const logProbabilities = g.op('LogSoftmax', [output], { axis: attr.int(1) });
    // log p of each row's class: one-hot targets make Σ_c t·log p exactly that value (the other terms are ±0).
    const picked = precomputed.labels
      ? g.op('GatherElements', [logProbabilities, precomputed.labels], { axis: attr.int(1) })
      : g.op('ReduceSum', [g.op('Mul', [targets, logProbabilities]), g.int64s([1], 'axis1')], { keepdims: attr.int(1) });
    const negate = precomputed.negateLossSum ?? true;
    const lossSum = negate ? g.op('Neg', [weightedSum(picked)]) : weightedSum(picked);
    const residual = g.op('Sub', [g.op('Exp', [logProbabilities]), targets]);
    return { lossSum, lossSumNegated: !negate, weightSum, outputGradient: g.op('Mul', [residual, scale]) };
  }
  const difference = g.op('Sub', [output, targets]);
  const squared = g.op('ReduceSum', [g.op('Mul', [difference, difference]), g.int64s([1], 'axis1')], { keepdims: attr.int(1) });
  const lossSum = weightedSum(squared);
  const twice = g.op('Mul', [scale, g.scalar(network.dtype, 2, 'two')]);
  return { lossSum, lossSumNegated: false, weightSum, outputGradient: g.op('Mul', [difference, twice]) };
}

interface GradientResult extends LossResult {
  /** ∂objective/∂parameter, in parameter order (objective: see `addObjective`). */
  gradients: string[];
}

/**
 * The objective the gradients are of: data loss + L2 penalty λ/2·Σ‖W‖² (scalar). Only the
 * gradient-check graph needs its value; the epoch graph leaves it out (a node per batch).
 */
export function addObjective(g: GraphBuilder, params: { network: Network; loss: LossResult; parameters: readonly string[]; l2: number }): string {
  const { network, parameters } = params;
  const dataLoss = g.op('Div', [params.loss.lossSum, plainWeightSum(params.loss)]);
  if (params.l2 <= 0) return dataLoss;
  const squares = layerSizes(network).map((_, layer) => g.op('ReduceSumSquare', [parameters[2 * layer]!], { keepdims: attr.int(0) }));
  const total = squares.length === 1 ? squares[0]! : g.op('Sum', squares);
  return g.op('Add', [dataLoss, g.op('Mul', [total, g.scalar(network.dtype, params.l2 / 2, 'half_l2')])]);
}

/** Σ wᵢ of a loss computed without precomputed parts (its `lossSum` is the plain Σ wᵢ·lossᵢ). */
function plainWeightSum(loss: LossResult): string {
  if (!loss.weightSum || loss.lossSumNegated) throw new Error('the loss was computed with precomputed parts: its sums are not the plain ones');
  return loss.weightSum;
}

/** Forward, loss and the backward pass of the objective (`addObjective`): gradients in parameter order. */
export function addGradients(
  g: GraphBuilder,
  params: {
    network: Network;
    input: string;
    targets: string;
    /** Per-row weights [b, 1], or undefined for all 1 (see `addLoss`). */
    weights: string | undefined;
    parameters: readonly string[];
    l2: number;
    transposedWeights?: readonly boolean[];
    precomputed?: BatchPrecomputed;
  },
): GradientResult {
  const { network, parameters } = params;
  const transposed = params.transposedWeights ?? [];
  const forward = addForward(g, network, params.input, parameters, transposed);
  const batchOnes = params.precomputed?.ones ?? addBatchOnes(g, network.dtype, params.input);
  const precomputed = { ...params.precomputed, ones: batchOnes };
  const loss = addLoss(g, { network, output: forward.output, targets: params.targets, weights: params.weights, precomputed });
  const layers = layerSizes(network).length;
  const l2 = params.l2 > 0;

  const gradients: string[] = new Array(parameters.length);
  // Only networks with hidden layers need the ReLU mask's zero (an unused initializer makes onnxruntime warn).
  const zero = layers > 1 ? g.scalar(network.dtype, 0, 'zero') : '';
  let outputGradient = loss.outputGradient;
  for (let layer = layers - 1; layer >= 0; layer--) {
    const weight = parameters[2 * layer]!;
    // xᵀ·G, or Gᵀ·x for a transposed weight (+ λ·W for L2 as the same Gemm's C term;
    // beta is a float attribute, so λ is rounded to float32).
    const factors = transposed[layer] ? [outputGradient, forward.layerInputs[layer]!] : [forward.layerInputs[layer]!, outputGradient];
    gradients[2 * layer] = l2
      ? g.op('Gemm', [...factors, weight], { transA: attr.int(1), beta: attr.float(params.l2) })
      : g.op('Gemm', factors, { transA: attr.int(1) });
    gradients[2 * layer + 1] = g.op('MatMul', [batchOnes, outputGradient]);
    if (layer > 0) {
      const inputGradient = g.op('Gemm', [outputGradient, weight], transposed[layer] ? undefined : { transB: attr.int(1) });
      outputGradient = g.op('Mul', [inputGradient, addReluMask(g, network.dtype, forward.layerInputs[layer]!, zero)]);
    }
  }
  return { ...loss, gradients };
}

/**
 * ReLU's derivative as a 0/1 tensor of the compute type, read from the ReLU's output
 * (relu(x) > 0 ⇔ x > 0) so that the pre-activation has no other consumer and onnxruntime
 * fuses Gemm+Relu. Multiplying by the mask is faster than `Where(x > 0, g, 0)`, whose
 * scalar-broadcast path is not vectorized (~1 ms per epoch of the throughput benchmark);
 * `Mul(g, Sign(relu))` is slower still.
 */
function addReluMask(g: GraphBuilder, dtype: FloatType, activation: string, zero: string): string {
  return g.op('Cast', [g.op('Greater', [activation, zero])], { to: attr.int(onnxDataType(dtype)) });
}

/**
 * A vector of ones as long as the batch. Bias gradients are column sums of the output
 * gradient, computed as onesᵀ·G: onnxruntime's MatMul does that several times faster than
 * ReduceSum over axis 0 (the single largest non-Gemm cost of a training step in its profiler).
 */
function addBatchOnes(g: GraphBuilder, dtype: FloatType, batch: string): string {
  const rows = g.op('Shape', [batch], { start: attr.int(0), end: attr.int(1) });
  return g.op('ConstantOfShape', [rows], { value: attr.tensor({ type: dtype, dims: [1], values: [1] }) });
}

/**
 * Names of the optimizer state tensors of one parameter (same shape as the parameter).
 * Adam's are its moments pre-divided by (1−β): m̃ = m/(1−β₁), ṽ = v/(1−β₂) (see `addOptimizerUpdate`).
 */
export function optimizerStateNames(optimizer: OptimizerConfig, parameter: string): string[] {
  return optimizer.type === 'adam' ? [`${parameter}.adam_m`, `${parameter}.adam_v`] : [`${parameter}.velocity`];
}

/**
 * The scalars of Adam's update that depend only on the step number t, for a tensor of step
 * numbers (an epoch's worth at once, before the batches, which take them as Scan inputs):
 * stepSize = lr·(1−β₁)·√(1−β₂ᵗ) / ((1−β₁ᵗ)·√(1−β₂)) and epsilon = ε·√(1−β₂ᵗ) / √(1−β₂).
 * SGD has none.
 */
export function addStepFactors(g: GraphBuilder, params: { dtype: FloatType; optimizer: OptimizerConfig; steps: string }): string[] {
  const { dtype, optimizer } = params;
  if (optimizer.type === 'sgd') return [];
  const c = (value: number, hint: string): string => g.scalar(dtype, value, hint);
  const one = c(1, 'one');
  const correction1 = g.op('Sub', [one, g.op('Pow', [c(optimizer.beta1, 'beta1'), params.steps])]);
  const correction2 = g.op('Sqrt', [g.op('Sub', [one, g.op('Pow', [c(optimizer.beta2, 'beta2'), params.steps])])]);
  const rootOneMinusBeta2 = Math.sqrt(1 - optimizer.beta2);
  const stepSize = g.op('Div', [g.op('Mul', [correction2, c((optimizer.learningRate * (1 - optimizer.beta1)) / rootOneMinusBeta2, 'lr_scaled')]), correction1]);
  const epsilon = g.op('Mul', [correction2, c(optimizer.epsilon / rootOneMinusBeta2, 'epsilon_scaled')]);
  return [stepSize, epsilon];
}

/**
 * One optimizer step on a (flat) parameter vector, equal to PyTorch's update up to rounding:
 * SGD: v ← μv + g, p ← p − lr·v. Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * p ← p − (lr / (1−β₁ᵗ))·m / (√v / √(1−β₂ᵗ) + ε).
 * Adam is rearranged to need 10 elementwise ops instead of 13 (each op is a node the epoch
 * runs per batch): the state holds m̃ = m/(1−β₁) and ṽ = v/(1−β₂), so m̃ ← β₁m̃ + g and
 * ṽ ← β₂ṽ + g², and every bias correction moves into the two scalars of `addStepFactors`
 * (`factors`, for this step): p ← p − stepSize·m̃ / (√ṽ + epsilon).
 */
export function addOptimizerUpdate(
  g: GraphBuilder,
  params: { dtype: FloatType; optimizer: OptimizerConfig; parameter: string; gradient: string; state: readonly string[]; factors: readonly string[] },
): { parameter: string; state: string[] } {
  const { dtype, optimizer, parameter, gradient } = params;
  const c = (value: number, hint: string): string => g.scalar(dtype, value, hint);
  if (optimizer.type === 'sgd') {
    const velocity = g.op('Add', [g.op('Mul', [params.state[0]!, c(optimizer.momentum, 'momentum')]), gradient]);
    return { parameter: g.op('Sub', [parameter, g.op('Mul', [velocity, c(optimizer.learningRate, 'lr')])]), state: [velocity] };
  }
  const [stepSize, epsilon] = params.factors as [string, string];
  const m = g.op('Add', [g.op('Mul', [params.state[0]!, c(optimizer.beta1, 'beta1')]), gradient]);
  const v = g.op('Add', [g.op('Mul', [params.state[1]!, c(optimizer.beta2, 'beta2')]), g.op('Mul', [gradient, gradient])]);
  const denominator = g.op('Add', [g.op('Sqrt', [v]), epsilon]);
  return { parameter: g.op('Sub', [parameter, g.op('Mul', [g.op('Div', [m, denominator]), stepSize])]), state: [m, v] };
}

/**
 * Graph input names of a network's batch tensors. `labels`: a classifier's class ids (int32 [rows]),
 * which the epoch graph can take instead of one-hot `targets` (see `EpochGraphParams.labels`).
 */
export const BATCH_INPUTS = { features: 'features', targets: 'targets', weights: 'weights', labels: 'labels' } as const;

/**
 * How the features come in: one row-major matrix `features` [rows × inputSize] (undefined), or
 * one input per group of consecutive feature columns, `features.<i>` [rows × width], float (the
 * network's dtype) or uint8 (columns of 0/1 values, such as one-hot features: a byte per value
 * instead of four). The groups are cast and concatenated into the same matrix, so the network
 * sees the same values.
 */
export type FeatureGroupLayout = readonly { type: 'float' | 'uint8'; width: number }[] | undefined;

/** Graph input name of feature group `index` (see `FeatureGroupLayout`). */
export const featureGroupInput = (index: number): string => `${BATCH_INPUTS.features}.${index}`;

function declareData(g: GraphBuilder, network: Network, rows: number | string, groups?: FeatureGroupLayout, weighted = true, labels = false): void {
  if (groups) {
    groups.forEach(({ type, width }, index) =>
      g.input({ name: featureGroupInput(index), type: type === 'uint8' ? 'uint8' : network.dtype, shape: [rows, width] }),
    );
  } else g.input({ name: BATCH_INPUTS.features, type: network.dtype, shape: [rows, network.inputSize] });
  if (labels) g.input({ name: BATCH_INPUTS.labels, type: 'int32', shape: [rows] });
  else g.input({ name: BATCH_INPUTS.targets, type: network.dtype, shape: [rows, network.outputSize] });
  if (weighted) g.input({ name: BATCH_INPUTS.weights, type: network.dtype, shape: [rows, 1] });
}

/**
 * The feature matrix [rows × inputSize] of the declared data, or of the rows `rows` picks when
 * given (see `addGatherRows`).
 */
function addFeatureMatrix(g: GraphBuilder, dtype: FloatType, groups: FeatureGroupLayout, rows?: RowPick): string {
  const pick = (source: string) => (rows === undefined ? source : addGatherRows(g, source, rows));
  if (!groups) return pick(BATCH_INPUTS.features);
  const parts = groups.map(({ type }, index) => {
    const group = pick(featureGroupInput(index));
    return type === 'uint8' ? g.op('Cast', [group], { to: attr.int(onnxDataType(dtype)) }) : group;
  });
  // The last axis: the rows may be stacked batches ([batches, batch size, width]).
  return parts.length === 1 ? parts[0]! : g.op('Concat', parts, { axis: attr.int(-1) });
}

function declareParameters(g: GraphBuilder, network: Network): string[] {
  return parameterShapes(network).map(({ name, dims }) => g.input({ name, type: network.dtype, shape: dims }));
}

/** Objective and gradients of one batch: for gradient checks. Outputs `objective` and `grad.<parameter>`. */
export function buildGradientGraph(network: Network, l2: number): onnx.IGraphProto {
  const g = new GraphBuilder('gradient');
  declareData(g, network, 'N');
  const parameters = declareParameters(g, network);
  const result = addGradients(g, { network, input: BATCH_INPUTS.features, targets: BATCH_INPUTS.targets, weights: BATCH_INPUTS.weights, parameters, l2 });
  g.opTo('objective', 'Identity', [addObjective(g, { network, loss: result, parameters, l2 })]);
  g.output({ name: 'objective', type: network.dtype, shape: [] });
  parameterShapes(network).forEach(({ name, dims }, index) => {
    g.opTo(`grad.${name}`, 'Identity', [result.gradients[index]!]);
    g.output({ name: `grad.${name}`, type: network.dtype, shape: dims });
  });
  return g.build();
}

/** Forward pass and data loss over a whole split (validation): outputs `output`, `lossSum`, `weightSum`. */
export function buildEvaluationGraph(network: Network, groups?: FeatureGroupLayout): onnx.IGraphProto {
  const g = new GraphBuilder('evaluation');
  declareData(g, network, 'N', groups);
  const parameters = declareParameters(g, network);
  const forward = addForward(g, network, addFeatureMatrix(g, network.dtype, groups), parameters);
  const loss = addLoss(g, { network, output: forward.output, targets: BATCH_INPUTS.targets, weights: BATCH_INPUTS.weights });
  g.opTo('output', 'Identity', [forward.output]);
  g.opTo('lossSum', 'Identity', [loss.lossSum]);
  g.opTo('weightSum', 'Identity', [plainWeightSum(loss)]);
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
  /** Feature groups as separate inputs (see `FeatureGroupLayout`); default one matrix. */
  featureGroups?: FeatureGroupLayout;
  /**
   * Whether the graph takes per-row `weights` (default true). False: every row weighs 1 (no
   * class weights), the input is left out and the loss skips the weighting (see `addLoss`).
   */
  weighted?: boolean;
  /** Where the batches' rows are gathered (see `RowGathering`); default `batch`. */
  rowGathering?: RowGathering;
  /** Rows of the training split: the graph is built for them (its batches are known then). */
  rows: number;
  /**
   * A classifier's targets as class ids: the `labels` input (int32 [N]) instead of one-hot
   * `targets` [N × classes] (default false). The one-hot rows are gathered from an identity
   * matrix after the rows are shuffled (`addOneHot`): the same values, so the same trained bits,
   * and the epoch's random row gather reads 4 bytes per row instead of 4 per class.
   */
  labels?: boolean;
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

/** Number of elements of a tensor shape. */
function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

type FlatLayout = { dims: number[]; transposed: boolean }[];

/**
 * How the epoch's batches carry each parameter in their flat vector: its shape there, and whether
 * a weight is kept transposed ([out, in], PyTorch's layout). A weight is transposed when its
 * layer narrows (out < in): its gradient is then Gᵀ·x, an [out, in] Gemm output wider than
 * [in, out], and MLAS vectorizes over output columns (the 128→10 layer of the throughput
 * benchmark: ~5% faster epochs; also transposing the widening 64→128 layer gained less).
 */
export function flatParameterLayout(network: Network): FlatLayout {
  return parameterShapes(network).map(({ dims }) => {
    const transposed = dims.length === 2 && dims[1]! < dims[0]!;
    return { dims: transposed ? [dims[1]!, dims[0]!] : [...dims], transposed };
  });
}

/**
 * Concatenates tensors of the given shapes, row-major, into one vector: what the flat optimizer
 * state and update work on. Vectors (biases) go in as they are: a Reshape is a node per batch.
 */
export function addFlatten(g: GraphBuilder, tensors: readonly string[], shapes: readonly { dims: readonly number[] }[]): string {
  const flat = g.int64s([-1], 'flat');
  return g.op(
    'Concat',
    tensors.map((tensor, index) => (shapes[index]!.dims.length === 1 ? tensor : g.op('Reshape', [tensor, flat]))),
    { axis: attr.int(0) },
  );
}

/** The inverse of `addFlatten`: the pieces of a flat vector in their shapes. */
export function addUnflatten(g: GraphBuilder, flat: string, shapes: readonly { dims: readonly number[] }[]): string[] {
  const pieces = g.node({
    opType: 'Split',
    inputs: [
      flat,
      g.int64s(
        shapes.map(({ dims }) => elementCount(dims)),
        'split',
      ),
    ],
    outputs: shapes.length,
    attributes: { axis: attr.int(0) },
  });
  return pieces.map((piece, index) => (shapes[index]!.dims.length === 1 ? piece : g.op('Reshape', [piece, g.int64s(shapes[index]!.dims, 'shape')])));
}

/** Per-tensor inputs (parameters or one kind of state) → one flat vector in the batches' layout. */
function addToFlatLayout(g: GraphBuilder, tensors: readonly string[], layout: FlatLayout): string {
  return addFlatten(
    g,
    tensors.map((tensor, index) => (layout[index]!.transposed ? g.op('Transpose', [tensor]) : tensor)),
    layout,
  );
}

/** A flat vector in the batches' layout → the per-tensor outputs `names`, in the parameters' own shapes. */
function addFromFlatLayout(g: GraphBuilder, flat: string, layout: FlatLayout, names: readonly string[]): void {
  addUnflatten(g, flat, layout).forEach((piece, index) => g.opTo(names[index]!, layout[index]!.transposed ? 'Transpose' : 'Identity', [piece]));
}

function epochGraphNames(parameters: string[], state: string[]): EpochGraphNames {
  return {
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
}

/** The epoch's step numbers step+1 … step+batchCount (a vector), and the step count after the epoch into `stepOut`. */
function addEpochSteps(g: GraphBuilder, dtype: FloatType, stepOut: string): string {
  const one = g.scalar(dtype, 1, 'one');
  const batchCount = g.op('Cast', [EPOCH_INPUTS.batchCount], { to: attr.int(onnxDataType(dtype)) });
  const lastStep = g.opTo(stepOut, 'Add', [EPOCH_INPUTS.step, batchCount]);
  return g.op('Range', [g.op('Add', [EPOCH_INPUTS.step, one]), g.op('Add', [lastStep, one]), one]);
}

/**
 * How each mini-batch gets its rows of the shuffled epoch. `epoch`: the rows are gathered in
 * shuffled order once per epoch, before the batches, stacked [batches, batch size, …], and each
 * batch is a view of its slice (one gather of the whole epoch instead of three per batch, and
 * feature groups cast and concatenated once; ~12% less CPU per epoch of the throughput
 * benchmark when it replaced per-batch gathers), at the cost of holding the epoch's features
 * and targets a second time while it runs. `batch`: each batch gathers its rows from the inputs
 * (no copy of the split). Same values, same order: the same trained bits either way.
 */
export type RowGathering = 'epoch' | 'batch';

/**
 * The largest shuffled copy (bytes of features, targets and weights in the compute type, plus
 * the int64 row indices and int32 class ids per row) the trainer lets `epoch` gathering hold;
 * larger splits gather per batch, so that memory stays about the split's own (bench/scale:
 * train ≤ 3× its float32 matrix).
 */
export const EPOCH_GATHER_BUDGET_BYTES = 64 * 1024 * 1024;

/** `epoch` when a split of `rows` rows fits `EPOCH_GATHER_BUDGET_BYTES` as one shuffled copy, else `batch`. */
export function chooseRowGathering(network: Network, rows: number): RowGathering {
  const bytesPerValue = network.dtype === 'float32' ? 4 : 8;
  const bytesPerRow = (network.inputSize + network.outputSize + 1) * bytesPerValue + 8 + 4;
  return rows * bytesPerRow <= EPOCH_GATHER_BUDGET_BYTES ? 'epoch' : 'batch';
}

/**
 * Which rows to gather: `indices`, int64 row numbers with a trailing axis of 1 ([rows, 1] or
 * [batches, batch size, 1]) for `GatherND`, or `rows`, the int32 row numbers of one batch (a
 * `Slice` of the order) for `Gather`.
 */
type RowPick = { indices: string } | { rows: string };

/**
 * The rows of `source` that `pick` picks, as [rows, …] or [batches, batch size, …]. `GatherND`
 * for the whole epoch: onnxruntime's `GatherND` computes every row's offset first and then
 * copies, and gathered 50,000 random rows of 64 floats in 2.4 ms against `Gather`'s 3.2 ms; but
 * its int64 indices are 8 bytes per row, so a split too large to gather per epoch (see
 * `RowGathering`) gathers each batch with `Gather` and int32 rows.
 */
function addGatherRows(g: GraphBuilder, source: string, pick: RowPick): string {
  return 'indices' in pick ? g.op('GatherND', [source, pick.indices]) : g.op('Gather', [source, pick.rows], { axis: attr.int(0) });
}

/** The data of some mini-batches: one batch's, or every full batch's stacked ([batches, batch size, …]). */
interface BatchData {
  input: string;
  targets: string;
  weights: string | undefined;
  /** Class ids [rows, 1] when the graph takes `labels` (see `BatchPrecomputed.labels`). */
  labels: string | undefined;
}

/**
 * The data of the rows `pick` picks (one batch's, or every full batch's at once: see
 * `addGatherRows`) gathered by `builder` from the graph's inputs: the features, the targets
 * (one-hot rows of the class ids when the graph takes `labels`), the weights. `identity` is the
 * one-hot source (see `addIdentityMatrix`).
 */
function addRowsData(builder: GraphBuilder, params: EpochGraphParams, pick: RowPick, identity: string): BatchData {
  const gather = (source: string): string => addGatherRows(builder, source, pick);
  const labels = params.labels ? gather(BATCH_INPUTS.labels) : undefined;
  return {
    input: addFeatureMatrix(builder, params.network.dtype, params.featureGroups, pick),
    targets: labels ? addOneHot(builder, identity, labels) : gather(BATCH_INPUTS.targets),
    weights: (params.weighted ?? true) ? gather(BATCH_INPUTS.weights) : undefined,
    labels: labels ? builder.op('Unsqueeze', [labels, builder.int64s([-1], 'last_axis')]) : undefined,
  };
}

/** The classes × classes identity matrix of the compute type (no larger than the one-hot targets it replaces while every class has a row). */
function addIdentityMatrix(g: GraphBuilder, network: Network): string {
  const classes = network.outputSize;
  const values = new Array<number>(classes * classes).fill(0);
  for (let c = 0; c < classes; c++) values[c * classes + c] = 1;
  return g.constant({ type: network.dtype, dims: [classes, classes], values, hint: 'identity' });
}

/**
 * One-hot rows [rows × classes] of class ids: rows of the identity matrix, exactly the 0/1 values
 * the trainer writes into `targets`. A `Gather` from the small identity matrix is several times
 * faster than onnxruntime's `OneHot` (1.5 ms for 50,000 rows).
 */
function addOneHot(g: GraphBuilder, identity: string, labels: string): string {
  return g.op('Gather', [identity, labels], { axis: attr.int(0) });
}

/**
 * How an epoch of `rows` rows splits into batches: `full` batches of `batchSize` rows, then
 * `rest` rows (0 when the batch size divides the rows). Known when the graph is built: the trainer
 * builds one epoch graph per training split.
 */
function epochBatches(rows: number, batchSize: number): { full: number; rest: number; count: number } {
  const full = Math.floor(rows / batchSize);
  const rest = rows - full * batchSize;
  return { full, rest, count: full + (rest > 0 ? 1 : 0) };
}

/**
 * Row counts of the epoch's batches (Σ wᵢ of each batch when every row weighs 1: exactly what a
 * `ReduceSum` of the batch's ones gives) and their reciprocals (1/Σ wᵢ, `Reciprocal` as
 * `addLoss` computes it; a vector of them is rounded as each scalar was).
 */
function addBatchRowCounts(g: GraphBuilder, dtype: FloatType, rows: number, batchSize: number): { counts: string; reciprocals: string } {
  const { full, rest } = epochBatches(rows, batchSize);
  const values = [...new Array<number>(full).fill(batchSize), ...(rest > 0 ? [rest] : [])];
  const counts = g.constant({ type: dtype, dims: [values.length], values, hint: 'batch_rows' });
  return { counts, reciprocals: g.op('Reciprocal', [counts]) };
}

/** What one optimizer step needs besides the batch's data: the flat parameters and state it updates and the per-batch values. */
interface StepInputs {
  parameters: string;
  state: string[];
  /** Adam's step scalars of this batch (see `addStepFactors`); none for SGD. */
  factors: string[];
  ones: string;
  /** 1/(row count) of this batch when every row weighs 1. */
  scale: string | undefined;
}

/** One mini-batch: forward, backward and the optimizer update on the flat vectors; its loss sum (negated: see `LossResult.lossSumNegated`) and weight sum. */
function addBatchStep(
  builder: GraphBuilder,
  params: EpochGraphParams,
  data: BatchData,
  inputs: StepInputs,
): { parameter: string; state: string[]; lossSum: string; lossSumNegated: boolean; weightSum: string | undefined } {
  const { network, optimizer } = params;
  const layout = flatParameterLayout(network);
  const result = addGradients(builder, {
    network,
    input: data.input,
    targets: data.targets,
    weights: data.weights,
    parameters: addUnflatten(builder, inputs.parameters, layout),
    transposedWeights: layout.filter((_, index) => index % 2 === 0).map(({ transposed }) => transposed),
    l2: params.l2,
    precomputed: { ones: inputs.ones, scale: inputs.scale, labels: data.labels, negateLossSum: false },
  });
  const update = addOptimizerUpdate(builder, {
    dtype: network.dtype,
    optimizer,
    parameter: inputs.parameters,
    gradient: addFlatten(builder, result.gradients, layout),
    state: inputs.state,
    factors: inputs.factors,
  });
  return { ...update, lossSum: result.lossSum, lossSumNegated: result.lossSumNegated, weightSum: result.weightSum };
}

/** A vector of `length` ones of the compute type (an initializer: the batch size is known when the graph is built). */
function onesConstant(g: GraphBuilder, dtype: FloatType, length: number): string {
  return g.constant({ type: dtype, dims: [length], values: new Array<number>(length).fill(1), hint: 'ones' });
}

/**
 * Every full batch of the epoch, one `Scan` iteration each. Scan hands its body a view of
 * each batch's slice of its scan inputs, without a copy: the stacked batches' data ([batches,
 * batch size, …], gathered once per epoch) or their row numbers ([batches, batch size], gathered
 * per batch), each step's Adam scalars and 1/(row count). The parameters and optimizer state are
 * its state variables; the loss and weight sums its scan outputs.
 */
function addFullBatches(
  g: GraphBuilder,
  params: EpochGraphParams,
  context: { indices: string | undefined; identity: string; factors: string[]; scales: string | undefined; start: { parameters: string; state: string[] } },
): { parameter: string; state: string[]; lossSums: string; lossSumNegated: boolean; weightSums: string | undefined } {
  const { network, batchSize } = params;
  const { dtype } = network;
  const parameterCount = parameterShapes(network).reduce((sum, { dims }) => sum + elementCount(dims), 0);
  const weighted = params.weighted ?? true;
  const { full } = epochBatches(params.rows, batchSize);
  // Stacked without the weights: a Scan slice starts wherever its batch does, and a ReduceSum over a slice that does
  // not start on a 64-byte boundary sums in another order (Σ wᵢ came out rounded differently), so each batch
  // gathers its weights (a fresh, aligned tensor) by row number.
  const stacked = context.indices ? addRowsData(g, { ...params, weighted: false }, { indices: context.indices }, context.identity) : undefined;
  /** Gathering per batch: each batch's first row (its rows are a Slice of the order, no copy of it). */
  const starts = (): string =>
    g.constant({ type: 'int64', dims: [full, 1], values: Array.from({ length: full }, (_, batch) => batch * batchSize), hint: 'batch_starts' });
  /** Scan inputs, in the body's order: the data and/or the row numbers, the factors, the scales. */
  const dataInputs = stacked ? [stacked.input, stacked.targets, stacked.labels, weighted ? context.indices : undefined] : [starts()];
  const scanInputs = [...dataInputs, ...context.factors, context.scales].filter((name): name is string => name !== undefined);

  const body = g.subgraph('batch');
  const parametersIn = body.input({ name: body.fresh('parameters'), type: dtype, shape: [parameterCount] });
  const stateIn = context.start.state.map(() => body.input({ name: body.fresh('state'), type: dtype, shape: [parameterCount] }));
  const slice = (name: string, type: 'float32' | 'float64' | 'int32' | 'int64', shape: (number | string)[]): string =>
    body.input({ name: body.fresh(name), type, shape });
  let data: BatchData;
  if (stacked) {
    const input = slice('input', dtype, [batchSize, network.inputSize]);
    const targets = slice('targets', dtype, [batchSize, network.outputSize]);
    const labels = stacked.labels ? slice('labels', 'int32', [batchSize, 1]) : undefined;
    const indices = weighted ? slice('indices', 'int64', [batchSize, 1]) : undefined;
    const weights = indices ? addGatherRows(body, BATCH_INPUTS.weights, { indices }) : undefined;
    data = { input, targets, labels, weights };
  } else {
    const start = slice('start', 'int64', [1]);
    const rows = body.op('Slice', [EPOCH_INPUTS.order, start, body.op('Add', [start, body.int64s([batchSize], 'batch_size')])]);
    data = addRowsData(body, params, { rows }, context.identity);
  }
  const factors = context.factors.map(() => slice('factor', dtype, []));
  const scale = context.scales ? slice('scale', dtype, []) : undefined;
  const step = addBatchStep(body, params, data, {
    parameters: parametersIn,
    state: stateIn,
    factors,
    ones: onesConstant(g, dtype, batchSize),
    scale,
  });
  [step.parameter, ...step.state].forEach((name) => body.output({ name, type: dtype, shape: [parameterCount] }));
  body.output({ name: step.lossSum, type: dtype, shape: [] });
  if (step.weightSum && data.weights) body.output({ name: step.weightSum, type: dtype, shape: [] });

  const parameter = g.fresh('parameters_full');
  const state = context.start.state.map(() => g.fresh('state_full'));
  const lossSums = g.fresh('loss_sums_full');
  const weightSums = data.weights ? g.fresh('weight_sums_full') : undefined;
  g.node({
    opType: 'Scan',
    inputs: [context.start.parameters, ...context.start.state, ...scanInputs],
    outputs: [parameter, ...state, lossSums, ...(weightSums ? [weightSums] : [])],
    attributes: { body: attr.graph(body.build()), num_scan_inputs: attr.int(scanInputs.length) },
  });
  return { parameter, state, lossSums, lossSumNegated: step.lossSumNegated, weightSums };
}

/**
 * A whole epoch in one `run`: every mini-batch of the training split in a (seeded, shuffled)
 * row order, each one forward + backward + update. One run per epoch instead of per batch
 * saves the per-call overhead (~30% CPU in the prototype). The full batches are one ONNX
 * `Scan` (`addFullBatches`: its body sees each batch's data without a copy); a shorter last
 * batch is the same step once more after it, in the graph itself.
 *
 * The Scan body runs once per batch, so work moves out of it where it can: the parameters
 * and each optimizer state travel through it as one flat vector (one chain of elementwise
 * update ops instead of one per parameter tensor), Adam's per-step scalars and the batches'
 * row counts are computed for the whole epoch before it, as is the gathering of the shuffled
 * rows when it fits (`RowGathering`). The graph's inputs and outputs stay per tensor
 * (flattened and split once per epoch).
 */
export function buildEpochGraph(params: EpochGraphParams): { graph: onnx.IGraphProto; names: EpochGraphNames } {
  const { network, optimizer, rows, batchSize } = params;
  const { dtype } = network;
  if (params.labels && network.loss !== 'cross-entropy') throw new Error(`labels are a classifier's targets, not ${network.loss}'s`);
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(batchSize) && batchSize > 0)) {
    throw new Error(`an epoch graph needs whole positive rows and batch size, got ${rows} and ${batchSize}`);
  }
  const g = new GraphBuilder('epoch');
  const weighted = params.weighted ?? true;
  declareData(g, network, rows, params.featureGroups, weighted, params.labels);
  // int32, not int64: building a BigInt64Array of the row order cost ~10% of an epoch in JS.
  g.input({ name: EPOCH_INPUTS.order, type: 'int32', shape: [rows] });
  g.input({ name: EPOCH_INPUTS.batchCount, type: 'int64', shape: [] });
  const shapes = parameterShapes(network);
  const parameters = declareParameters(g, network);
  const stateShapes = shapes.flatMap(({ name, dims }) => optimizerStateNames(optimizer, name).map((stateName) => ({ name: stateName, dims })));
  const state = stateShapes.map(({ name, dims }) => g.input({ name, type: dtype, shape: dims }));
  g.input({ name: EPOCH_INPUTS.step, type: dtype, shape: [] });
  const names = epochGraphNames(parameters, state);
  const statesPerParameter = state.length / parameters.length;
  /** State tensors of one kind (Adam's m or v, SGD's velocity), in parameter order. */
  const stateOfKind = <T>(list: readonly T[], kind: number): T[] => list.filter((_, index) => index % statesPerParameter === kind);
  const kinds = Array.from({ length: statesPerParameter }, (_, kind) => kind);
  const layout = flatParameterLayout(network);
  const stepFactors = addStepFactors(g, { dtype, optimizer, steps: addEpochSteps(g, dtype, names.stepOut) });
  const rowCounts = weighted ? undefined : addBatchRowCounts(g, dtype, rows, batchSize);
  const identity = params.labels ? addIdentityMatrix(g, network) : '';
  const batches = epochBatches(rows, batchSize);
  /** The full batches' part of a per-batch vector (all of it when there is no shorter last batch). */
  const fullPart = (vector: string): string =>
    batches.rest > 0 ? g.op('Slice', [vector, g.int64s([0], 'start'), g.int64s([batches.full], 'full_batches')]) : vector;
  // The shorter last batch's element of a per-batch vector, at batch_count − 1 (= batches.full): an index known only
  // at run time, so 1/(row count) is not a constant, which onnxruntime would fold into the bias-gradient MatMul
  // (MatMulScaleFusion: s·(onesᵀ·R) instead of onesᵀ·(s·R), rounded differently).
  const lastBatch = g.op('Sub', [EPOCH_INPUTS.batchCount, g.scalar('int64', 1, 'one')]);
  const restPart = (vector: string): string => g.op('Gather', [vector, lastBatch], { axis: attr.int(0) });

  let current = { parameters: addToFlatLayout(g, parameters, layout), state: kinds.map((kind) => addToFlatLayout(g, stateOfKind(state, kind), layout)) };
  const lossParts: string[] = [];
  const weightParts: string[] = [];
  let lossSumNegated = false;
  // Gathering per epoch: the row order as GatherND's indices, [rows, 1] int64 (see addGatherRows); it is fed as
  // int32, cheaper to build in JS.
  const rowIndices =
    (params.rowGathering ?? 'batch') === 'epoch'
      ? g.op('Unsqueeze', [g.op('Cast', [EPOCH_INPUTS.order], { to: attr.int(onnxDataType('int64')) }), g.int64s([-1], 'last_axis')])
      : undefined;
  if (batches.full > 0) {
    const fullRows = batches.full * batchSize;
    const indices = rowIndices
      ? g.op('Reshape', [
          batches.rest > 0 ? g.op('Slice', [rowIndices, g.int64s([0], 'start'), g.int64s([fullRows], 'full_rows')]) : rowIndices,
          g.int64s([batches.full, batchSize, 1], 'batches_shape'),
        ])
      : undefined;
    const full = addFullBatches(g, params, {
      indices,
      identity,
      factors: stepFactors.map(fullPart),
      scales: rowCounts ? fullPart(rowCounts.reciprocals) : undefined,
      start: current,
    });
    current = { parameters: full.parameter, state: full.state };
    lossParts.push(full.lossSums);
    if (full.weightSums) weightParts.push(full.weightSums);
    lossSumNegated = full.lossSumNegated;
  }
  if (batches.rest > 0) {
    const restOf = (vector: string): string => g.op('Slice', [vector, g.int64s([batches.full * batchSize], 'rest_start'), g.int64s([rows], 'rows')]);
    const pick: RowPick = rowIndices ? { indices: restOf(rowIndices) } : { rows: restOf(EPOCH_INPUTS.order) };
    const last = addBatchStep(g, params, addRowsData(g, params, pick, identity), {
      ...current,
      factors: stepFactors.map(restPart),
      ones: onesConstant(g, dtype, batches.rest),
      scale: rowCounts ? restPart(rowCounts.reciprocals) : undefined,
    });
    current = { parameters: last.parameter, state: last.state };
    const asVector = (scalar: string): string => g.op('Unsqueeze', [scalar, g.int64s([0], 'axis0')]);
    lossParts.push(asVector(last.lossSum));
    if (weighted) weightParts.push(asVector(last.weightSum!));
    lossSumNegated = last.lossSumNegated;
  }
  const concat = (parts: string[]): string => (parts.length === 1 ? parts[0]! : g.op('Concat', parts, { axis: attr.int(0) }));
  // The loss sums are negated once per epoch, not per batch (see addLoss).
  g.opTo(names.batchLossSums, lossSumNegated ? 'Neg' : 'Identity', [concat(lossParts)]);
  g.opTo(names.batchWeightSums, 'Identity', [rowCounts ? rowCounts.counts : concat(weightParts)]);
  addFromFlatLayout(g, current.parameters, layout, names.parametersOut);
  kinds.forEach((kind) => addFromFlatLayout(g, current.state[kind]!, layout, stateOfKind(names.stateOut, kind)));
  [...shapes, ...stateShapes].forEach(({ dims }, index) => {
    g.output({ name: [...names.parametersOut, ...names.stateOut][index]!, type: dtype, shape: dims });
  });
  g.output({ name: names.stepOut, type: dtype, shape: [] });
  g.output({ name: names.batchLossSums, type: dtype, shape: [batches.count] });
  g.output({ name: names.batchWeightSums, type: dtype, shape: [batches.count] });
  return { graph: g.build(), names };
}
