import { requireInputs, type StageInputSpec, stageBaseShape } from '@reproml/core';
import { datasetFormatSchema } from '@reproml/data/dataset-format';
import { z } from 'zod';

export const PREDICT_MODEL_INPUT = 'model';

/** The predict kind's declared inputs (`data.from` may name any other one): its `inputs` and the required ones its schema checks. */
export const predictInputs = {
  [PREDICT_MODEL_INPUT]: { description: 'the train stage whose model.onnx predicts', kinds: ['train'] },
} satisfies Record<string, StageInputSpec>;

/**
 * Where onnxruntime runs. Its `session.run` blocks the thread that calls it, so in a worker thread
 * reading and writing the files overlap inference (bench/predict, idle 2-core machine: end to end
 * 0.60× the in-memory rate, 0.45× on the main thread), at some more CPU in all (the batches cross
 * threads), which makes the main thread the better choice when every core is already busy.
 */
export const predictSessionSchema = z.enum(['auto', 'main', 'worker']).default('auto').meta({
  description:
    "Where onnxruntime runs: 'worker' (a worker thread: reading and writing the files overlap inference), 'main' (the stage's own thread: less CPU in all, better when every core is busy), 'auto' (a worker when the machine has 2 or more cores). Default: 'auto'.",
});

/** Whether a predict stage's session runs in a worker thread, given the cores the process may use. */
export function predictInWorker(session: z.infer<typeof predictSessionSchema>, cores: number): boolean {
  return session === 'worker' || (session === 'auto' && cores >= 2);
}

export const predictStageConfigSchema = z
  .object({
    ...stageBaseShape,
    kind: z.literal('predict'),
    data: z
      .object({
        from: z
          .string()
          .optional()
          .meta({ description: "Name of an entry of `inputs` whose out/ folder holds the file. Default: the file is in this stage's folder." }),
        path: z.string().min(1).meta({ description: 'Path of the CSV, TSV, JSONL, JSON or Parquet file, relative to that folder.' }),
        format: datasetFormatSchema.optional().meta({ description: 'Format of the file. Default: from its extension.' }),
      })
      .strict()
      .meta({ description: 'The rows to predict: raw columns as the model declares them.' }),
    key: z
      .string()
      .optional()
      .meta({ description: 'Column copied into predictions.csv to identify each row. Default: the row number (column `row`, from 1).' }),
    batchSize: z.number().int().positive().default(10000).meta({ description: 'Rows per batch (memory stays bounded by one batch). Default: 10000.' }),
    threads: z.number().int().min(0).default(0).meta({ description: 'onnxruntime intra-op threads (0 = its default). Default: 0.' }),
    session: predictSessionSchema,
  })
  .strict()
  .superRefine((config, ctx) => {
    requireInputs(config.inputs, ctx, predictInputs, 'predict');
    if (config.data.from !== undefined && !config.inputs[config.data.from]) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'from'],
        message: `'${config.data.from}' should be a name in inputs (${Object.keys(config.inputs).join(', ')})`,
      });
    }
  })
  .meta({
    title: 'predict stage',
    description: 'Batch inference of a ReproML model.onnx over a data file, streamed in batches; writes predictions.csv with the row key.',
  });
export type PredictStageConfig = z.infer<typeof predictStageConfigSchema>;
