import { defineStageOutput, metricConditionSchema } from '@reproml/core';
import { z } from 'zod';

const rate = z.number().min(0).max(1);

/** Per-class precision, recall and F1 of a classifier, with the class's row count in the truth. */
export const perClassMetricsSchema = z.object({
  class: z.string(),
  precision: rate,
  recall: rate,
  f1: rate,
  support: z.number().int().nonnegative(),
});

/** Metrics of a classifier (evaluate computes them in `classificationMetrics`). */
export const classificationMetricsSchema = z.object({
  rows: z.number().int().positive(),
  accuracy: rate,
  /** Macro averages over the classes present in the truth or the predictions (as scikit-learn). */
  precision: rate,
  recall: rate,
  f1: rate,
  /** One-vs-rest ROC AUC, macro-averaged over classes with both positive and negative rows; null if none. */
  rocAuc: rate.nullable(),
  /** Mean −log p(true class), probabilities clipped to [1e-15, 1]. */
  logLoss: z.number().nonnegative(),
  /** confusionMatrix[true][predicted] = row count, in class-id order. */
  confusionMatrix: z.array(z.array(z.number().int().nonnegative())),
  perClass: z.array(perClassMetricsSchema),
});
export type ClassificationMetrics = z.infer<typeof classificationMetricsSchema>;

/** Metrics of a regressor (`regressionMetrics`). */
export const regressionMetricsSchema = z.object({
  rows: z.number().int().positive(),
  rmse: z.number().nonnegative(),
  mae: z.number().nonnegative(),
  /** 1 − SS_res / SS_tot; with a constant truth: 1 if every prediction is exact, else 0 (as scikit-learn). */
  r2: z.number(),
});
export type RegressionMetrics = z.infer<typeof regressionMetricsSchema>;

/** What metrics.json holds besides the metrics: the split evaluated and the thresholds checked. */
const evaluationShape = {
  schemaVersion: z.literal(1),
  split: z.enum(['train', 'validation', 'test']),
  thresholds: z.record(z.string(), metricConditionSchema),
};

/**
 * `metrics.json`: what an evaluate stage measured on a held-out split. Defined here, with the
 * kind that writes it; push (model card, promotion gates) and the run report read it through
 * `metricsOutput`.
 */
export const metricsDocumentSchema = z.discriminatedUnion('task', [
  z.object({ ...evaluationShape, task: z.literal('classification'), ...classificationMetricsSchema.shape }),
  z.object({ ...evaluationShape, task: z.literal('regression'), ...regressionMetricsSchema.shape }),
]);
export type MetricsDocument = z.infer<typeof metricsDocumentSchema>;

export const metricsOutput = defineStageOutput({
  file: 'metrics.json',
  description: 'the metrics an evaluate stage measured on a held-out split',
  schema: metricsDocumentSchema,
});
