import { DataError, type SeededRandom } from '@reproml/core';
import type { EpochRecord, GbdtModelConfig, Task, TrainingSplit } from '@reproml/onnx';
import { applyBins, binsByFeature, fitBins } from './feature-bins';
import { type FeatureImportance, featureImportance } from './feature-importance';
import type { GbdtModel } from './gbdt-model';
import { type BinnedData, type GrowthRules, growTree, HistogramPool } from './grow-tree';
import { type Objective, objectiveFor } from './objectives';
import { packBins } from './packed-bins';
import { leafOfBinnedRow, type Tree } from './tree';

export interface FitGbdtParams {
  config: GbdtModelConfig;
  task: Task;
  featureNames: readonly string[];
  /** Class names (classification): index = class id. */
  classes?: readonly string[];
  train: TrainingSplit;
  validation?: TrainingSplit;
  rng: SeededRandom;
  onRound?: (event: RoundEvent) => void;
}

export type RoundEvent = { type: 'round'; rounds: number; record: EpochRecord; improved: boolean } | { type: 'early-stop'; round: number; bestRound: number };

export interface FitGbdtResult {
  model: GbdtModel;
  /** One record per round (`epoch` = round), losses as the objective defines them (MSE for regression). */
  curve: EpochRecord[];
  bestRound: number;
  roundsRun: number;
  stoppedEarly: boolean;
  validationMetricName: 'accuracy' | 'rmse';
  importance: FeatureImportance[];
}

/** Seeded streams of the stage's random generator, one per use. */
const RNG_STREAMS = { bins: 1, rows: 2, columns: 3 } as const;

/**
 * Histogram-based gradient boosting: bins fitted on the training split, one Newton step
 * per round (one tree per output), seeded row and column sampling, early stopping on the
 * validation loss (the model keeps the best round's trees). Single-threaded and in a
 * fixed order, so the same data and seed give the same trees bit for bit.
 */
export function fitGbdt(params: FitGbdtParams): FitGbdtResult {
  const { config, train } = params;
  const featureCount = params.featureNames.length;
  const classCount = params.classes?.length ?? 0;
  const objective = objectiveFor(params.task, classCount);
  const validation = params.validation && params.validation.rows > 0 ? params.validation : undefined;
  if (config.earlyStopping && !validation) {
    throw new DataError('early stopping needs a validation split, and it is empty', {
      field: 'model.earlyStopping',
      hint: 'Give the preprocess stage a validation fraction, or set "earlyStopping": false.',
    });
  }
  const bins = fitBins({ features: train.features, rows: train.rows, featureCount, maxBins: config.maxBins, rng: params.rng.fork(RNG_STREAMS.bins) });
  const trainBins = applyBins(train.features, train.rows, featureCount, bins);
  const data: BinnedData = {
    bins: packBins(trainBins, train.rows, featureCount),
    columns: binsByFeature(trainBins, train.rows, featureCount),
    rows: train.rows,
    featureCount,
    stride: config.maxBins + 1,
    missingBin: bins.missingBin,
    binCounts: Int32Array.from(bins.uppers, (uppers) => uppers.length),
    uppers: bins.uppers,
  };
  const validationBins = validation ? applyBins(validation.features, validation.rows, featureCount, bins) : undefined;
  const rules: GrowthRules = {
    maxDepth: config.maxDepth,
    maxLeaves: config.maxLeaves ?? Infinity,
    learningRate: config.learningRate,
    l2: config.l2,
    minSamplesLeaf: config.minSamplesLeaf,
    minHessianLeaf: config.minHessianLeaf,
    minSplitGain: config.minSplitGain,
  };

  const K = objective.outputs;
  const baseMargins = objective.baseMargins(train.labels, train.rows);
  const margins = filledMargins(train.rows, baseMargins);
  const validationMargins = validation ? filledMargins(validation.rows, baseMargins) : undefined;
  const grad = Array.from({ length: K }, () => new Float64Array(train.rows));
  const hess = Array.from({ length: K }, () => new Float64Array(train.rows));
  const rowRng = params.rng.fork(RNG_STREAMS.rows);
  const columnRng = params.rng.fork(RNG_STREAMS.columns);
  const pool = new HistogramPool(featureCount, data.stride);
  const scratch = new Uint32Array(train.rows);
  // The rows of the tree being grown (reordered in place into leaf ranges), one buffer for every tree.
  const rows = new Uint32Array(train.rows);
  const everyRow = { rows: identity(train.rows), mask: undefined };

  const trees: Tree[] = [];
  const curve: EpochRecord[] = [];
  let best = { loss: Infinity, round: 0 };
  let stoppedEarly = false;
  // Gradients at the current margins; the same pass gives the training loss there.
  objective.gradients(margins, train.labels, train.rows, grad, hess);
  for (let round = 1; round <= config.nTrees; round++) {
    const sampled = config.subsample < 1 ? sampleRows(train.rows, config.subsample, rowRng) : everyRow;
    for (let k = 0; k < K; k++) {
      const features = config.colsample < 1 ? sampleFeatures(featureCount, config.colsample, columnRng) : undefined;
      const rowIndex = rows.subarray(0, sampled.rows.length);
      rowIndex.set(sampled.rows);
      const { tree, leaves } = growTree({
        data,
        output: k,
        grad: grad[k]!,
        hess: hess[k]!,
        unitHessian: objective.unitHessian,
        rowIndex,
        scratch,
        features,
        rules,
        pool,
      });
      trees.push(tree);
      for (const leaf of leaves) {
        const value = tree.value[leaf.node]!;
        for (let i = leaf.start; i < leaf.end; i++) margins[rowIndex[i]! * K + k]! += value;
      }
      if (sampled.mask) {
        for (let row = 0; row < train.rows; row++) {
          if (!sampled.mask[row]) margins[row * K + k]! += tree.value[leafOfBinnedRow(tree, data.bins.bytes, row * data.bins.rowStride, data.missingBin)]!;
        }
      }
      if (validation && validationMargins && validationBins) {
        for (let row = 0; row < validation.rows; row++) {
          validationMargins[row * K + k]! += tree.value[leafOfBinnedRow(tree, validationBins, row * featureCount, data.missingBin)]!;
        }
      }
    }
    // The next round's gradients, and this round's training loss.
    const record: EpochRecord = { epoch: round, trainLoss: objective.gradients(margins, train.labels, train.rows, grad, hess) };
    if (validation && validationMargins) {
      record.validationLoss = objective.loss(validationMargins, validation.labels, validation.rows);
      record.validationMetric = validationMetric(objective, validationMargins, validation);
    }
    curve.push(record);
    const monitored = record.validationLoss ?? record.trainLoss;
    const minDelta = config.earlyStopping ? config.earlyStopping.minDelta : 0;
    const improved = monitored < best.loss - minDelta;
    if (improved || !config.earlyStopping) best = { loss: improved ? monitored : best.loss, round };
    params.onRound?.({ type: 'round', rounds: config.nTrees, record, improved });
    if (config.earlyStopping && round - best.round >= config.earlyStopping.patience) {
      stoppedEarly = round < config.nTrees;
      if (stoppedEarly) params.onRound?.({ type: 'early-stop', round, bestRound: best.round });
      break;
    }
  }
  const kept = trees.slice(0, best.round * K);
  return {
    model: { objective: objective.name, outputs: K, baseMargins: [...baseMargins], trees: kept, featureCount },
    curve,
    bestRound: best.round,
    roundsRun: curve.length,
    stoppedEarly,
    validationMetricName: params.task === 'classification' ? 'accuracy' : 'rmse',
    importance: featureImportance(kept, params.featureNames),
  };
}

function filledMargins(rows: number, base: Float64Array): Float64Array {
  const margins = new Float64Array(rows * base.length);
  for (let row = 0; row < rows; row++) margins.set(base, row * base.length);
  return margins;
}

function identity(rows: number): Uint32Array {
  const out = new Uint32Array(rows);
  for (let row = 0; row < rows; row++) out[row] = row;
  return out;
}

/** Rows of one round: each row with probability `fraction` (seeded), ascending, and their mask. */
function sampleRows(rows: number, fraction: number, rng: SeededRandom): { rows: Uint32Array; mask: Uint8Array } {
  const mask = new Uint8Array(rows);
  let count = 0;
  for (let row = 0; row < rows; row++) {
    if (rng.nextFloat() < fraction) {
      mask[row] = 1;
      count++;
    }
  }
  if (count === 0) {
    mask[rng.nextInt(rows)] = 1;
    count = 1;
  }
  const picked = new Uint32Array(count);
  let next = 0;
  for (let row = 0; row < rows; row++) if (mask[row]) picked[next++] = row;
  return { rows: picked, mask };
}

/** max(1, round(fraction · featureCount)) features of a tree, drawn without replacement (seeded), ascending. */
function sampleFeatures(featureCount: number, fraction: number, rng: SeededRandom): Int32Array {
  const count = Math.max(1, Math.round(fraction * featureCount));
  return Int32Array.from(rng.permutation(featureCount).subarray(0, count)).sort();
}

function validationMetric(objective: Objective, margins: Float64Array, split: TrainingSplit): number {
  const K = objective.outputs;
  if (objective.name === 'squared-error') {
    let squared = 0;
    for (let row = 0; row < split.rows; row++) squared += (margins[row]! - split.labels[row]!) ** 2;
    return Math.sqrt(squared / split.rows);
  }
  let correct = 0;
  for (let row = 0; row < split.rows; row++) {
    let label = 0;
    if (K === 1) label = margins[row]! > 0 ? 1 : 0;
    else for (let k = 1; k < K; k++) if (margins[row * K + k]! > margins[row * K + label]!) label = k;
    if (label === split.labels[row]) correct++;
  }
  return correct / split.rows;
}
