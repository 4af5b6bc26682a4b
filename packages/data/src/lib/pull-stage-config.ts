import { z } from 'zod';
import { stageBaseShape } from '@reproml/core';

export const datasetFormatSchema = z.enum(['csv', 'tsv', 'json', 'jsonl', 'parquet']);
export type DatasetFormat = z.infer<typeof datasetFormatSchema>;

export const datasetFileSpecSchema = z
  .object({
    source: z
      .string()
      .min(1)
      .meta({ description: 'Where the bytes come from: a path relative to the workspace root.' }),
    format: datasetFormatSchema.optional().meta({ description: 'File format. Default: from the file extension.' }),
  })
  .strict();
export type DatasetFileSpec = z.infer<typeof datasetFileSpecSchema>;

/** File keys become output file names, so they are restricted to safe names. */
export const datasetFileKeySchema = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'should be a file-name-safe key like "train" or "penguins"');

export const pullStageConfigSchema = z
  .object({
    ...stageBaseShape,
    kind: z.literal('pull'),
    files: z
      .record(datasetFileKeySchema, datasetFileSpecSchema)
      .refine((files) => Object.keys(files).length > 0, 'a pull stage needs at least one file')
      .meta({ description: 'The files this stage pulls, by key; each is written to out/<key>.<format>.' }),
  })
  .strict()
  .meta({ title: 'pull stage', description: 'Fetches dataset files pinned by the lock file beside the stage file.' });
export type PullStageConfig = z.infer<typeof pullStageConfigSchema>;
