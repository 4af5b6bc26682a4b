import { modelInfoOutput } from '../contracts/model-info-document';
import { type TrainingCurve, trainingCurveOutput } from '../contracts/training-curve-document';

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

/** A point's scores from its training-curve.json (read through its contract): the best epoch's losses and validation accuracy (classification) or RMSE (regression). */
export function bestEpochScores(curve: TrainingCurve): Record<string, number> {
  const best = curve.epochs[curve.bestEpoch - 1];
  if (!best) return {};
  const scores: Record<string, number> = { trainLoss: best.trainLoss };
  if (best.validationLoss !== undefined) scores.validationLoss = best.validationLoss;
  if (best.validationMetric !== undefined) scores[curve.validationMetric === 'rmse' ? 'validationRmse' : 'validationAccuracy'] = best.validationMetric;
  return scores;
}
