import { requireInputs, type StageInputSpec, stageBaseShape } from '@reproml/core';
// A light subpath: this schema is loaded at graph time, and the data index loads the Hub client.
import { DEFAULT_PSI_EPSILON } from '@reproml/data/population-stability-index';
import { featuresOutput } from '@reproml/onnx/contracts';
import { transformOutput } from '@reproml/preprocess/contracts';
import { z } from 'zod';

/** Names under `inputs`: the batch's pull stage, the preprocess stage (reference), the train stage (optional). */
export const BATCH_INPUT = 'batch';
export const REFERENCE_INPUT = 'features';
export const DRIFT_MODEL_INPUT = 'model';

/** The drift kind's inputs: its `inputs` and the required ones its schema checks. */
export const driftInputs = {
  [BATCH_INPUT]: { description: 'the pull stage of the new data batch', kinds: ['pull'] },
  [REFERENCE_INPUT]: {
    description: 'the preprocess stage whose training split is the reference',
    kinds: ['preprocess'],
    reads: [featuresOutput, transformOutput],
  },
  [DRIFT_MODEL_INPUT]: { description: 'the train stage whose predictions are compared too', kinds: ['train'], required: false },
} satisfies Record<string, StageInputSpec>;

const levels = (defaults: { warn: number; alert: number }, what: string) =>
  z
    .object({
      warn: z
        .number()
        .nonnegative()
        .default(defaults.warn)
        .meta({ description: `${what} at or above this warns. Default: ${defaults.warn}.` }),
      alert: z
        .number()
        .nonnegative()
        .default(defaults.alert)
        .meta({ description: `${what} at or above this alerts. Default: ${defaults.alert}.` }),
    })
    .strict()
    .refine((pair) => pair.warn <= pair.alert, { message: 'warn should not be above alert' });

export const DEFAULT_THRESHOLDS = {
  psi: { warn: 0.1, alert: 0.25 },
  unseen: { warn: 0.01, alert: 0.05 },
  nulls: { warn: 0.05, alert: 0.2 },
} as const;

const psiLevels = levels(DEFAULT_THRESHOLDS.psi, 'PSI');
const unseenLevels = levels(DEFAULT_THRESHOLDS.unseen, 'The share of present batch values that the training split never had');
const nullLevels = levels(DEFAULT_THRESHOLDS.nulls, 'The rise of the null share (batch − training, absolute)');

export const featureThresholdsSchema = z
  .object({
    psi: psiLevels.default(DEFAULT_THRESHOLDS.psi).meta({
      description:
        "Population stability index of the feature (numbers: the training deciles as bins; strings: the training categories plus one bin for unseen values). A PSI level counts only when the feature's test (KS or chi-square) is significant. Default: warn 0.1, alert 0.25.",
    }),
    unseen: unseenLevels
      .default(DEFAULT_THRESHOLDS.unseen)
      .meta({ description: 'String features: share of unseen categories. Default: warn 0.01, alert 0.05.' }),
    nulls: nullLevels.default(DEFAULT_THRESHOLDS.nulls).meta({ description: 'Rise of the null share over the training split. Default: warn 0.05, alert 0.2.' }),
  })
  .strict();
export type FeatureThresholds = z.infer<typeof featureThresholdsSchema>;

const featureOverrideSchema = z
  .object({
    psi: psiLevels.optional(),
    unseen: unseenLevels.optional(),
    nulls: nullLevels.optional(),
    ignore: z.boolean().default(false).meta({ description: 'Leave this feature out of the checks. Default: false.' }),
  })
  .strict();
export type FeatureOverride = z.infer<typeof featureOverrideSchema>;

export const driftStageConfigSchema = z
  .object({
    ...stageBaseShape,
    kind: z.literal('drift'),
    file: z.string().optional().meta({ description: "Key of the data file in the batch's pull stage (out/<file>.<format>). Default: its only data file." }),
    columns: z
      .array(z.string())
      .min(1)
      .optional()
      .meta({ description: "Features to check. Default: the model's raw inputs (features.json rawInputs of the preprocess stage)." }),
    thresholds: featureThresholdsSchema.default({ psi: DEFAULT_THRESHOLDS.psi, unseen: DEFAULT_THRESHOLDS.unseen, nulls: DEFAULT_THRESHOLDS.nulls }).meta({
      description: 'Warn/alert levels for every feature. Default: PSI 0.1/0.25, unseen share 0.01/0.05, null-share rise 0.05/0.2.',
    }),
    features: z
      .record(z.string(), featureOverrideSchema)
      .default({})
      .meta({ description: 'Per-feature overrides of `thresholds`, or { "ignore": true }. Default: none.' }),
    alpha: z.number().gt(0).max(1).default(0.01).meta({
      description:
        "Family-wise significance level: a PSI level counts only when the feature's KS (numbers) or chi-square (strings) p-value is below alpha / (number of tests) (Bonferroni), so a batch drawn from the training distribution raises a PSI-based alert with probability at most alpha. 1 turns the significance check off. Default: 0.01.",
    }),
    prediction: z
      .object({
        psi: psiLevels.default(DEFAULT_THRESHOLDS.psi).meta({ description: 'PSI of the predictions (batch vs test split). Default: warn 0.1, alert 0.25.' }),
        split: z.enum(['test', 'validation', 'train']).default('test').meta({ description: "Split whose predictions are the reference. Default: 'test'." }),
      })
      .strict()
      .default({ psi: DEFAULT_THRESHOLDS.psi, split: 'test' })
      .meta({
        description:
          'Prediction drift (needs inputs.model): predicted classes (chi-square) or values (KS) of model.onnx on the batch vs on a split of the preprocess stage.',
      }),
    overall: z
      .object({
        alertFeatures: z.number().int().positive().default(1).meta({ description: 'The stage alerts when at least this many features alert. Default: 1.' }),
        driftShare: z
          .number()
          .gt(0)
          .max(1)
          .default(0.5)
          .meta({ description: 'The stage also alerts when at least this share of the checked features warn or alert. Default: 0.5.' }),
      })
      .strict()
      .default({ alertFeatures: 1, driftShare: 0.5 }),
    psiEpsilon: z
      .number()
      .gt(0)
      .lt(0.01)
      .default(DEFAULT_PSI_EPSILON)
      .meta({ description: 'Floor of a bin proportion in PSI (an empty bin would make it infinite). Default: 1e-4.' }),
    onAlert: z.enum(['fail', 'record']).default('fail').meta({
      description:
        "'fail': an alert fails the stage with the drifted features named (the report goes to .reproml/runs/<project>/drift.json). 'record': the stage succeeds and out/drift.json holds the verdict for a downstream gate. Default: 'fail'.",
    }),
    batchSize: z.number().int().positive().default(10000).meta({ description: 'Rows per onnxruntime call for prediction drift. Default: 10000.' }),
    threads: z.number().int().min(0).default(0).meta({ description: 'onnxruntime intra-op threads (0 = its default). Default: 0.' }),
  })
  .strict()
  .superRefine((config, ctx) => {
    requireInputs(config.inputs, ctx, driftInputs, 'drift');
  })
  .meta({
    title: 'drift stage',
    description:
      "Compares a new data batch (a pull stage) with the training split of a preprocess stage: PSI, KS, chi-square, unseen categories, nulls, prediction drift. Writes drift.json; an alert fails the stage unless onAlert is 'record'.",
  });
export type DriftStageConfig = z.infer<typeof driftStageConfigSchema>;

/** The thresholds that apply to one feature: the stage-wide ones with its overrides on top. */
export function thresholdsFor(config: Pick<DriftStageConfig, 'thresholds' | 'features'>, feature: string): FeatureThresholds {
  const override = config.features[feature] ?? { ignore: false };
  return {
    psi: override.psi ?? config.thresholds.psi,
    unseen: override.unseen ?? config.thresholds.unseen,
    nulls: override.nulls ?? config.thresholds.nulls,
  };
}
