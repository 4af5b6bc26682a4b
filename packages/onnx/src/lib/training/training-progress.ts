import type { StageContext } from '@reproml/core';
import type { EpochRecord } from '../contracts/training-curve-document';

/** What one training step is called in progress lines: `epochs` (neural families) or `rounds` (gbdt). */
export type TrainingUnit = 'epochs' | 'rounds';

/** The progress line of one finished epoch or round, the same for every family. */
export function reportTrainingStep(context: StageContext, step: { unit: TrainingUnit; total: number; record: EpochRecord }): void {
  const { record } = step;
  const validation =
    record.validationLoss === undefined ? '' : ` val_loss ${record.validationLoss.toFixed(4)} val_metric ${record.validationMetric!.toFixed(4)}`;
  context.progress({
    type: 'progress',
    phase: 'train',
    done: record.epoch,
    total: step.total,
    unit: step.unit,
    detail: `loss ${record.trainLoss.toFixed(4)}${validation}`,
  });
}

/** The progress line of an early stop at step `at`, naming the best one. */
export function reportEarlyStop(context: StageContext, stop: { unit: TrainingUnit; at: number; best: number }): void {
  context.progress({
    type: 'progress',
    phase: 'train',
    done: stop.at,
    total: stop.at,
    unit: stop.unit,
    detail: `early stop, best ${stop.unit === 'epochs' ? 'epoch' : 'round'} ${stop.best}`,
  });
}

/** The losses of the best step for the lineage summary: `validationAccuracy` or `validationRmse` after the validation metric. */
export function bestStepSummary(best: EpochRecord, validationMetricName: 'accuracy' | 'rmse'): Record<string, number | null> {
  return {
    trainLoss: best.trainLoss,
    validationLoss: best.validationLoss ?? null,
    [`validation${validationMetricName === 'accuracy' ? 'Accuracy' : 'Rmse'}`]: best.validationMetric ?? null,
  };
}
