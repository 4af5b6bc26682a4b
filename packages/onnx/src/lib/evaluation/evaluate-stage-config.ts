import { requireInputs, type StageInputSpec, stageBaseShape } from '@reproml/core';
import { z } from 'zod';
import { featuresOutput } from '../contracts/features-manifest';
import { thresholdSchema } from './thresholds';

/** Names under `inputs`: the train stage (model.onnx) and the preprocess stage (the split files). */
export const MODEL_INPUT = 'model';
export const EVALUATE_FEATURES_INPUT = 'features';

/** The evaluate kind's inputs: its `inputs` and the required ones its schema checks. */
export const evaluateInputs = {
  [MODEL_INPUT]: { description: 'the train stage whose model.onnx is evaluated', kinds: ['train'] },
  [EVALUATE_FEATURES_INPUT]: { description: 'the preprocess stage whose held-out split is used', kinds: ['preprocess'], reads: [featuresOutput] },
} satisfies Record<string, StageInputSpec>;

export const evaluateStageConfigSchema = z
  .object({
    ...stageBaseShape,
    kind: z.literal('evaluate'),
    split: z
      .enum(['test', 'validation', 'train'])
      .default('test')
      .meta({ description: "Split of the preprocess stage to evaluate on (its <split>.raw.csv through model.onnx). Default: 'test'." }),
    thresholds: z.record(z.string(), thresholdSchema).default({}).meta({
      description:
        'Minimum quality, e.g. { "accuracy": ">= 0.95" } or { "rmse": { "max": 3 } }; the stage fails with the unmet ones. Metrics: accuracy, precision, recall, f1, rocAuc, logLoss (classification); rmse, mae, r2 (regression). Default: none.',
    }),
    batchSize: z.number().int().positive().default(10000).meta({ description: 'Rows per onnxruntime call. Default: 10000.' }),
    threads: z.number().int().min(0).default(0).meta({ description: 'onnxruntime intra-op threads (0 = its default). Default: 0.' }),
  })
  .strict()
  .superRefine((config, ctx) => {
    requireInputs(config.inputs, ctx, evaluateInputs, 'evaluate');
  })
  .meta({
    title: 'evaluate stage',
    description: 'Runs model.onnx on a held-out split of raw rows and writes metrics.json; optional thresholds fail the stage.',
  });
export type EvaluateStageConfig = z.infer<typeof evaluateStageConfigSchema>;
