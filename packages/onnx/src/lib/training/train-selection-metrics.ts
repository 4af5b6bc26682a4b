import { modelInfoOutput } from '../contracts/model-info-document';
import { trainingCurveOutput } from '../contracts/training-curve-document';

/** File names a train stage writes into `out/` (light: the kind module and the trainer share them). */
export const MODEL_FILE = 'model.onnx';
export const TRAINING_CURVE_FILE = trainingCurveOutput.file;
export const MODEL_INFO_FILE = modelInfoOutput.file;

/** What a swept train stage may select by: the best epoch's (round's) figures on the validation split. */
export const TRAIN_SELECTION_METRICS = {
  validationLoss: 'min',
  validationAccuracy: 'max',
  validationRmse: 'min',
  trainLoss: 'min',
} as const satisfies Record<string, 'min' | 'max'>;

interface CurveRecord {
  trainLoss?: number;
  validationLoss?: number;
  validationMetric?: number;
}

/** A point's scores from its training-curve.json: the best epoch's losses and validation accuracy (classification) or RMSE (regression). */
export function bestEpochScores(curve: unknown): Record<string, number> {
  const file = curve as { bestEpoch?: number; validationMetric?: string; epochs?: CurveRecord[] } | undefined;
  const best = file?.epochs?.[(file.bestEpoch ?? 0) - 1];
  if (!best) return {};
  const scores: Record<string, number> = {};
  if (typeof best.trainLoss === 'number') scores.trainLoss = best.trainLoss;
  if (typeof best.validationLoss === 'number') scores.validationLoss = best.validationLoss;
  if (typeof best.validationMetric === 'number') scores[file?.validationMetric === 'rmse' ? 'validationRmse' : 'validationAccuracy'] = best.validationMetric;
  return scores;
}
