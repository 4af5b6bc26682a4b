import { ConfigError, DataError, type SeededRandom } from '@reproml/core';
import * as ort from 'onnxruntime-node';
import type { EpochRecord } from '../contracts/training-curve-document';
import {
  allocate,
  cloneParameters,
  type FloatArray,
  type FloatType,
  initialParameters,
  type LossKind,
  type Network,
  type Parameters,
  parameterShapes,
  type Task,
} from '../graph/network';
import { buildModel, serializeModel } from '../graph/onnx-model';
import {
  BATCH_INPUTS,
  buildEpochGraph,
  buildEvaluationGraph,
  chooseRowGathering,
  type FeatureGroupLayout,
  featureGroupInput,
  optimizerStateNames,
} from '../graph/training-graphs';
import { fitTargetScaling, standardizeTargets, type TargetScaling } from './target-scaling';
import type { ClassWeightsConfig, ModelConfig, TrainingConfig } from './training-config';
import { type AnySplit, checkTrainingSplit, isGrouped } from './training-data';
import { TrainingDivergedError } from './training-errors';

export interface TrainParams {
  model: ModelConfig;
  training: TrainingConfig;
  task: Task;
  featureNames: readonly string[];
  /** Class names, index = class id (classification). */
  classes?: readonly string[];
  /** Row-major, or in feature groups (`GroupedSplit`: one-hot columns a byte per value); the same values train the same model. */
  train: AnySplit;
  validation?: AnySplit;
  rng: SeededRandom;
  /** onnxruntime intra-op threads; 0 = its default. Results do not depend on it. */
  intraOpNumThreads?: number;
  /** Element type of the computation. Default float32 (float64 is for tests). */
  dtype?: FloatType;
}

export type { EpochRecord };

export type TrainingEvent =
  | { type: 'start'; epochs: number; rows: number; batches: number }
  | { type: 'epoch'; epochs: number; record: EpochRecord; improved: boolean }
  | { type: 'early-stop'; epoch: number; bestEpoch: number };

export interface TrainResult {
  network: Network;
  /** The parameters of the best epoch (lowest validation loss), or of the last one without early stopping. */
  parameters: Parameters;
  curve: EpochRecord[];
  bestEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  validationMetricName: 'accuracy' | 'rmse';
  /** Regression with `standardizeTarget`: the standardization the network was trained in (the serving graph inverts it). */
  targetScaling?: TargetScaling;
}

/** Loss blew up: more than this factor above the first epoch's loss. */
const DIVERGENCE_FACTOR = 1e4;

export function resolveNetwork(params: Pick<TrainParams, 'model' | 'training' | 'task' | 'featureNames' | 'classes' | 'dtype'>): Network {
  const { model, task } = params;
  if (model.family === 'gbdt') {
    throw new ConfigError("model family 'gbdt' is trained by @reproml/gbdt (runGbdtTrain), not by the ONNX network trainer", {
      field: 'model.family',
      hint: 'Run it as a train stage (the train kind dispatches on model.family), or call runGbdtTrain from @reproml/gbdt.',
    });
  }
  if (model.family === 'linear' && task !== 'regression') {
    throw new ConfigError(`model family 'linear' is for regression, but the features are for ${task}`, {
      field: 'model.family',
      hint: "Use 'logistic' or 'mlp' for classification.",
    });
  }
  if (model.family === 'logistic' && task !== 'classification') {
    throw new ConfigError(`model family 'logistic' is for classification, but the features are for ${task}`, {
      field: 'model.family',
      hint: "Use 'linear' or 'mlp' for regression.",
    });
  }
  const loss: LossKind = params.training.loss === 'auto' ? (task === 'classification' ? 'cross-entropy' : 'mse') : params.training.loss;
  if ((loss === 'cross-entropy') !== (task === 'classification')) {
    throw new ConfigError(`loss '${loss}' does not fit a ${task} task`, {
      field: 'training.loss',
      hint: "Use 'cross-entropy' for classification and 'mse' for regression (or 'auto').",
    });
  }
  const classCount = params.classes?.length ?? 0;
  if (task === 'classification' && classCount < 2) {
    throw new DataError(`classification needs at least 2 classes, features.json lists ${classCount}`, {
      field: 'classes',
      hint: 'The target column has a single class: check the data or the target column of the preprocess stage.',
    });
  }
  return {
    family: model.family,
    task,
    loss,
    inputSize: params.featureNames.length,
    hiddenLayers: model.family === 'mlp' ? model.hiddenLayers : [],
    outputSize: task === 'classification' ? classCount : 1,
    dtype: params.dtype ?? 'float32',
  };
}

/** Trains a network, yielding an event per epoch; returns the best parameters and the curve. */
export async function* trainIter(params: TrainParams): AsyncGenerator<TrainingEvent, TrainResult> {
  const network = resolveNetwork(params);
  const { training } = params;
  const _classCount = params.classes?.length ?? 0;
  checkSplit(params, network, params.train, 'train');
  if (params.validation) checkSplit(params, network, params.validation, 'validation');
  if (params.task === 'classification') checkClassesPresent(params.train, params.classes ?? []);
  const targetScaling = network.task === 'regression' && training.standardizeTarget ? fitTargetScaling(params.train) : undefined;
  const trainSplit = targetScaling ? standardizeTargets(params.train, targetScaling) : params.train;
  const validation = params.validation && params.validation.rows > 0 ? scaled(params.validation, targetScaling) : undefined;
  if (training.earlyStopping && !validation) {
    throw new DataError('early stopping needs a validation split, and it is empty', {
      field: 'training.earlyStopping',
      hint: 'Give the preprocess stage a validation fraction, or set "earlyStopping": false.',
    });
  }

  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: params.intraOpNumThreads ?? 0,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const classWeights = network.task === 'classification' ? classWeightsPerClass(training.classWeights, params.classes ?? [], params.train) : undefined;
  const epochGraph = buildEpochGraph({
    network,
    optimizer: training.optimizer,
    l2: training.l2,
    batchSize: training.batchSize,
    featureGroups: featureGroupLayout(trainSplit),
    // Without class weights every row weighs 1: the graph leaves the weights out (same values, fewer nodes).
    weighted: classWeights !== undefined,
    rows: trainSplit.rows,
    rowGathering: chooseRowGathering(network, trainSplit.rows),
    // A classifier's targets as class ids, one-hot in the graph (same values, a cheaper shuffle).
    labels: network.task === 'classification',
  });
  const epochSession = await ort.InferenceSession.create(serializeModel(buildModel({ graph: epochGraph.graph })), sessionOptions);
  const evaluationSession = validation
    ? await ort.InferenceSession.create(serializeModel(buildModel({ graph: buildEvaluationGraph(network, featureGroupLayout(validation)) })), sessionOptions)
    : undefined;
  try {
    const trainTensors = dataTensors(network, trainSplit, classWeights, { labels: network.task === 'classification', weights: classWeights !== undefined });
    const validationTensors = validation ? dataTensors(network, validation, undefined, { labels: false, weights: true }) : undefined;
    const batches = Math.ceil(params.train.rows / training.batchSize);
    yield { type: 'start', epochs: training.epochs, rows: params.train.rows, batches };

    let parameters = initialParameters(network, params.rng.fork(1));
    let state = parameterShapes(network).flatMap(({ name, dims }) =>
      optimizerStateNames(training.optimizer, name).map(() =>
        allocate(
          network.dtype,
          dims.reduce((a, b) => a * b, 1),
        ),
      ),
    );
    let step = scalarTensor(network.dtype, 0);
    const shuffleRng = params.rng.fork(2);
    const curve: EpochRecord[] = [];
    let best = { loss: Infinity, epoch: 0, parameters: cloneParameters(parameters) };
    let firstLoss: number | undefined;
    let stoppedEarly = false;

    for (let epoch = 1; epoch <= training.epochs; epoch++) {
      const order = training.shuffle ? shuffleRng.permutation(params.train.rows) : identityOrder(params.train.rows);
      const feeds: Record<string, ort.Tensor> = {
        ...trainTensors,
        // The same buffer read as int32 (row numbers < 2^31), not a copy of it.
        [epochGraph.names.order]: new ort.Tensor('int32', new Int32Array(order.buffer, order.byteOffset, order.length), [params.train.rows]),
        [epochGraph.names.batchCount]: new ort.Tensor('int64', BigInt64Array.of(BigInt(batches)), []),
        [epochGraph.names.step]: step,
      };
      parameters.forEach((tensor) => (feeds[tensor.name] = new ort.Tensor(network.dtype, tensor.values, [...tensor.dims])));
      state.forEach(
        (values, index) => (feeds[epochGraph.names.state[index]!] = new ort.Tensor(network.dtype, values, [...parameterDims(network, training, index)])),
      );
      const out = await epochSession.run(feeds);
      parameters = parameters.map((tensor, index) => ({ ...tensor, values: out[epochGraph.names.parametersOut[index]!]!.data as FloatArray }));
      state = epochGraph.names.stateOut.map((name) => out[name]!.data as FloatArray);
      step = out[epochGraph.names.stepOut] as ort.Tensor;
      const trainLoss = ratioOfSums(out[epochGraph.names.batchLossSums]!.data as FloatArray, out[epochGraph.names.batchWeightSums]!.data as FloatArray);
      firstLoss ??= trainLoss;
      checkDivergence(epoch, trainLoss, firstLoss, parameters);

      const record: EpochRecord = { epoch, trainLoss };
      if (evaluationSession && validationTensors && validation) {
        const evaluation = await evaluate(evaluationSession, validationTensors, parameters, network);
        record.validationLoss = evaluation.loss;
        // RMSE in the data's units: the standardized error times std.
        record.validationMetric = validationMetric(network, evaluation.output, validation) * (targetScaling?.std ?? 1);
      }
      curve.push(record);
      const monitored = record.validationLoss ?? trainLoss;
      const minDelta = training.earlyStopping ? training.earlyStopping.minDelta : 0;
      const improved = monitored < best.loss - minDelta;
      if (improved || !training.earlyStopping) best = { loss: improved ? monitored : best.loss, epoch, parameters: cloneParameters(parameters) };
      yield { type: 'epoch', epochs: training.epochs, record, improved };
      if (training.earlyStopping && epoch - best.epoch >= training.earlyStopping.patience) {
        stoppedEarly = epoch < training.epochs;
        if (stoppedEarly) yield { type: 'early-stop', epoch, bestEpoch: best.epoch };
        break;
      }
    }
    return {
      network,
      parameters: best.parameters,
      curve,
      bestEpoch: best.epoch,
      epochsRun: curve.length,
      stoppedEarly,
      validationMetricName: network.task === 'classification' ? 'accuracy' : 'rmse',
      ...(targetScaling ? { targetScaling } : {}),
    };
  } finally {
    await epochSession.release();
    await evaluationSession?.release();
  }
}

/** `trainIter` run to the end; `onEvent` sees every event. */
export async function train(params: TrainParams & { onEvent?: (event: TrainingEvent) => void }): Promise<TrainResult> {
  const iterator = trainIter(params);
  for (;;) {
    const next = await iterator.next();
    if (next.done) return next.value;
    params.onEvent?.(next.value);
  }
}

function scaled(split: AnySplit, scaling: TargetScaling | undefined): AnySplit {
  return scaling ? standardizeTargets(split, scaling) : split;
}

function checkSplit(params: TrainParams, network: Network, split: AnySplit, splitName: string): void {
  if (splitName === 'train' && split.rows === 0) {
    throw new DataError('the train split is empty', { hint: 'Check the preprocess stage: its split fractions or filters left no training rows.' });
  }
  checkTrainingSplit({ split, splitName, featureNames: params.featureNames, task: network.task, classCount: network.outputSize });
}

function checkClassesPresent(split: AnySplit, classes: readonly string[]): void {
  const seen = new Set<number>();
  for (let row = 0; row < split.rows; row++) seen.add(split.labels[row]!);
  if (seen.size < 2) {
    throw new DataError(`the train split has a single class ('${classes[[...seen][0] ?? 0]}'): nothing to learn`, {
      field: 'label',
      hint: 'Check the target column and the split of the preprocess stage (a stratified split keeps every class).',
    });
  }
}

function parameterDims(network: Network, training: TrainingConfig, stateIndex: number): readonly number[] {
  const perParameter = training.optimizer.type === 'adam' ? 2 : 1;
  return parameterShapes(network)[Math.floor(stateIndex / perParameter)]!.dims;
}

/** Per-class weights: none → undefined (all 1), balanced → n / (classes × count) as scikit-learn. */
export function classWeightsPerClass(config: ClassWeightsConfig, classes: readonly string[], split: AnySplit): Float64Array | undefined {
  if (config === 'none' || classes.length === 0) return undefined;
  const weights = new Float64Array(classes.length).fill(1);
  if (config === 'balanced') {
    const counts = new Float64Array(classes.length);
    for (let row = 0; row < split.rows; row++) counts[split.labels[row]!]! += 1;
    counts.forEach((count, index) => (weights[index] = count > 0 ? split.rows / (classes.length * count) : 1));
    return weights;
  }
  for (const [name, weight] of Object.entries(config)) {
    const index = classes.indexOf(name);
    if (index < 0) {
      throw new ConfigError(`class weight for unknown class '${name}'`, {
        field: `training.classWeights.${name}`,
        hint: `Classes are: ${classes.join(', ')}.`,
      });
    }
    weights[index] = weight;
  }
  return weights;
}

/** How the epoch and evaluation graphs take the split's features (see `FeatureGroupLayout`). */
function featureGroupLayout(split: AnySplit | undefined): FeatureGroupLayout {
  if (!split || !isGrouped(split)) return undefined;
  return split.groups.map(({ type, width }) => ({ type, width }));
}

/**
 * A split's tensors for a graph's batch inputs (`BATCH_INPUTS`): the features, then the targets as
 * class ids (`labels`, for the epoch graph of a classifier) or as one-hot/value rows (`targets`),
 * and the per-row weights when the graph takes them.
 */
function dataTensors(
  network: Network,
  split: AnySplit,
  classWeights: Float64Array | undefined,
  inputs: { labels: boolean; weights: boolean },
): Record<string, ort.Tensor> {
  const targets = inputs.labels ? undefined : allocate(network.dtype, split.rows * network.outputSize);
  const weights = inputs.weights ? allocate(network.dtype, split.rows) : undefined;
  for (let row = 0; row < split.rows; row++) {
    const label = split.labels[row]!;
    if (targets) {
      if (network.task === 'classification') targets[row * network.outputSize + label] = 1;
      else targets[row] = label;
    }
    if (weights) weights[row] = classWeights && network.task === 'classification' ? classWeights[label]! : 1;
  }
  const asFloat = (values: Float32Array) => (network.dtype === 'float32' ? values : Float64Array.from(values));
  const features: Record<string, ort.Tensor> = {};
  if (isGrouped(split)) {
    split.groups.forEach((group, index) => {
      features[featureGroupInput(index)] =
        group.type === 'uint8'
          ? new ort.Tensor('uint8', group.values, [split.rows, group.width])
          : new ort.Tensor(network.dtype, asFloat(group.values), [split.rows, group.width]);
    });
  } else features[BATCH_INPUTS.features] = new ort.Tensor(network.dtype, asFloat(split.features), [split.rows, network.inputSize]);
  return {
    ...features,
    ...(targets
      ? { [BATCH_INPUTS.targets]: new ort.Tensor(network.dtype, targets, [split.rows, network.outputSize]) }
      : { [BATCH_INPUTS.labels]: new ort.Tensor('int32', Int32Array.from(split.labels), [split.rows]) }),
    ...(weights ? { [BATCH_INPUTS.weights]: new ort.Tensor(network.dtype, weights, [split.rows, 1]) } : {}),
  };
}

async function evaluate(
  session: ort.InferenceSession,
  data: Record<string, ort.Tensor>,
  parameters: Parameters,
  network: Network,
): Promise<{ loss: number; output: FloatArray }> {
  const feeds: Record<string, ort.Tensor> = { ...data };
  for (const tensor of parameters) feeds[tensor.name] = new ort.Tensor(network.dtype, tensor.values, [...tensor.dims]);
  const out = await session.run(feeds);
  return {
    loss: Number((out.lossSum!.data as FloatArray)[0]) / Number((out.weightSum!.data as FloatArray)[0]),
    output: out.output!.data as FloatArray,
  };
}

function validationMetric(network: Network, output: FloatArray, split: AnySplit): number {
  if (network.task === 'regression') {
    let squared = 0;
    for (let row = 0; row < split.rows; row++) squared += (output[row]! - split.labels[row]!) ** 2;
    return Math.sqrt(squared / split.rows);
  }
  let correct = 0;
  const width = network.outputSize;
  for (let row = 0; row < split.rows; row++) {
    let bestClass = 0;
    for (let c = 1; c < width; c++) if (output[row * width + c]! > output[row * width + bestClass]!) bestClass = c;
    if (bestClass === split.labels[row]) correct++;
  }
  return correct / split.rows;
}

function checkDivergence(epoch: number, loss: number, firstLoss: number, parameters: Parameters): void {
  const finiteWeights = parameters.every((tensor) => tensor.values.every(Number.isFinite));
  if (Number.isFinite(loss) && finiteWeights && loss <= Math.max(firstLoss, 1) * DIVERGENCE_FACTOR) return;
  const what = !Number.isFinite(loss)
    ? `the training loss became ${loss}`
    : !finiteWeights
      ? 'the weights stopped being finite'
      : `the training loss grew to ${loss.toPrecision(4)} (epoch 1: ${firstLoss.toPrecision(4)})`;
  throw new TrainingDivergedError(epoch, `training diverged at epoch ${epoch}: ${what}`, {
    field: 'training.optimizer.learningRate',
    hint: 'Lower the learning rate (or scale the features); nothing was written.',
  });
}

function ratioOfSums(numerators: FloatArray, denominators: FloatArray): number {
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < numerators.length; i++) {
    numerator += numerators[i]!;
    denominator += denominators[i]!;
  }
  return numerator / denominator;
}

function scalarTensor(dtype: FloatType, value: number): ort.Tensor {
  const values = allocate(dtype, 1);
  values[0] = value;
  return new ort.Tensor(dtype, values, []);
}

function identityOrder(rows: number): Uint32Array {
  return Uint32Array.from({ length: rows }, (_, row) => row);
}
