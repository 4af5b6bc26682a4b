import { z } from 'zod';
import { SeededRandom } from './seeded-random';
import { defineStageOutput } from './stage-output';

export const crossValidationSchema = z
  .object({
    folds: z
      .number()
      .int()
      .min(2)
      .max(20)
      .meta({ description: 'k: the training split is cut into k folds; fold i trains on the other k-1 and scores on fold i.' }),
    seed: z.number().int().nonnegative().default(0).meta({ description: 'Seed of the fold assignment. Default: 0.' }),
    stratify: z
      .boolean()
      .default(true)
      .meta({ description: 'Keep each class in the same proportion in every fold (classification; ignored for regression). Default: true.' }),
  })
  .strict()
  .meta({
    description:
      'Stratified k-fold cross-validation of the training split: one cached Nx project per fold (<project>--fold-<i>); cv.json reports the mean and standard deviation of each metric, and a sweep may select by them (cv.<metric>).',
  });

export type CrossValidationConfig = z.output<typeof crossValidationSchema>;

/** One fold of a cross-validation, as the work of a fold's project sees it. */
export interface FoldSpec {
  /** 1-based fold number. */
  index: number;
  folds: number;
  seed: number;
  stratify: boolean;
}

/**
 * The fold (0-based) of each row: rows are grouped by class (one group without
 * stratification), each group is shuffled with the seed, and dealt round-robin to the folds,
 * each group continuing where the previous one stopped, so fold sizes differ by at most one
 * and every class is spread as evenly as it can be.
 */
export function assignFolds(labels: ArrayLike<number>, params: { folds: number; seed: number; stratify: boolean }): Int32Array {
  const groups = new Map<number, number[]>();
  for (let row = 0; row < labels.length; row++) {
    const key = params.stratify ? labels[row]! : 0;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(row);
  }
  const rng = new SeededRandom(params.seed);
  const fold = new Int32Array(labels.length);
  let next = 0;
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const rows = groups.get(key)!;
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rng.nextFloat() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    for (const row of rows) {
      fold[row] = next;
      next = (next + 1) % params.folds;
    }
  }
  return fold;
}

/** Mean and sample standard deviation (n − 1 in the denominator, as pandas and R; 0 for one value). */
export function meanAndSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const squares = values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  return { mean, sd: values.length > 1 ? Math.sqrt(squares / (values.length - 1)) : 0 };
}

const metricSummarySchema = z.object({ mean: z.number(), sd: z.number(), folds: z.array(z.number()) }).strict();

/** `cv.json`: each metric's value per fold, mean and standard deviation. */
export const crossValidationOutput = defineStageOutput({
  file: 'cv.json',
  description: 'a cross-validated stage: per metric, the value on each fold (scored on the held-out fold), their mean and sample standard deviation',
  schema: z
    .object({
      schemaVersion: z.literal(1),
      folds: z.number().int(),
      seed: z.number().int(),
      stratify: z.boolean(),
      metrics: z.record(z.string(), metricSummarySchema),
    })
    .strict(),
});

export type CrossValidationResult = z.output<typeof crossValidationOutput.schema>;

/** Per metric every fold reports: the values in fold order, mean and sd. */
export function summarizeFolds(foldScores: readonly Readonly<Record<string, number>>[]): CrossValidationResult['metrics'] {
  const names = Object.keys(foldScores[0] ?? {}).filter((name) => foldScores.every((scores) => Number.isFinite(scores[name])));
  const metrics: CrossValidationResult['metrics'] = {};
  for (const name of names.sort()) {
    const values = foldScores.map((scores) => scores[name]!);
    metrics[name] = { ...meanAndSd(values), folds: values };
  }
  return metrics;
}

/** A cross-validated point's selection metrics: `cv.<metric>` is the metric's mean over the folds. */
export function crossValidationScores(result: CrossValidationResult): Record<string, number> {
  return Object.fromEntries(Object.entries(result.metrics).map(([name, summary]) => [`cv.${name}`, summary.mean]));
}
