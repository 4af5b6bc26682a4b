import { ConfigError, checkMetricConditions, describeFailedChecks, didYouMean, type MetricCondition, metricConditionSchema, ReproError } from '@reproml/core';

/** `">= 0.95"`, or the structured form `{ "min": 0.95 }` / `{ "max": 0.3 }` (bounds inclusive). */
export const thresholdSchema = metricConditionSchema;
export type Threshold = MetricCondition;

export class ThresholdError extends ReproError {
  override name = 'ThresholdError';
  override readonly code = 'THRESHOLD_UNMET';
}

/** The metric names a threshold may use, for a task. */
export const THRESHOLD_METRICS = {
  classification: ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'logLoss'],
  regression: ['rmse', 'mae', 'r2'],
} as const;

/** Checks every threshold; one error lists every unmet one with its value. */
export function checkThresholds(params: {
  thresholds: Readonly<Record<string, Threshold>>;
  metrics: Readonly<Record<string, unknown>>;
  task: keyof typeof THRESHOLD_METRICS;
  file?: string;
}): void {
  const known: readonly string[] = THRESHOLD_METRICS[params.task];
  for (const name of Object.keys(params.thresholds)) {
    if (!known.includes(name)) {
      throw new ConfigError(`unknown metric '${name}' in thresholds${didYouMean(name, known)}`, {
        file: params.file,
        field: `thresholds.${name}`,
        hint: `Metrics of a ${params.task} model: ${known.join(', ')}.`,
      });
    }
  }
  const failures = describeFailedChecks(checkMetricConditions(params.thresholds, params.metrics));
  if (failures) {
    throw new ThresholdError(`model below threshold: ${failures}`, {
      file: params.file,
      field: 'thresholds',
      hint: 'Improve the model (features, hyper-parameters) or revisit the threshold in the evaluate stage file.',
    });
  }
}

export { formatMetric } from '@reproml/core';
