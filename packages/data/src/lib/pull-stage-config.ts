import { stageBaseShape } from '@reproml/core';
import { z } from 'zod';
import { columnKindSchema } from './column-kinds';
import { datasetFormatSchema } from './dataset-format';
import { textEncodingSchema } from './decode-text';
import { tableSchemaSchema } from './table-schema';

export { type DatasetFormat, datasetFormatSchema } from './dataset-format';

export const datasetFileSpecSchema = z
  .object({
    source: z.string().min(1).meta({
      description: 'Where the bytes come from: a path relative to the workspace root, an https:// URL, or hf://datasets/<namespace>/<name>/<path-in-repo>.',
    }),
    revision: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'hf:// sources only: branch, tag or commit to lock. `nx run <stage>:lock` pins it to a commit sha. Default: main.' }),
    format: datasetFormatSchema.optional().meta({ description: 'File format. Default: from the file extension.' }),
    encoding: textEncodingSchema.optional().meta({ description: 'Text encoding of csv/tsv/json/jsonl files. Default: utf-8.' }),
    missingValues: z
      .array(z.string())
      .optional()
      .meta({ description: 'csv/tsv cell texts read as missing. Default: "", NA, N/A, NaN, nan, null, NULL, None.' }),
    columnKinds: z
      .record(z.string(), columnKindSchema)
      .optional()
      .meta({ description: 'Columns read as this kind instead of the inferred one. Default: none (string columns of the schema are read as strings).' }),
    schema: tableSchemaSchema.optional().meta({ description: "This file's schema. Default: the stage's schema." }),
  })
  .strict()
  .refine((spec) => spec.revision === undefined || spec.source.startsWith('hf://'), {
    message: '"revision" applies to hf:// sources only',
    path: ['revision'],
  });
export type DatasetFileSpec = z.infer<typeof datasetFileSpecSchema>;

/** File keys become output file names, so they are restricted to safe names. */
export const datasetFileKeySchema = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'should be a file-name-safe key like "train" or "penguins"');

export const pullStageConfigSchema = z
  .object({
    ...stageBaseShape,
    kind: z.literal('pull'),
    files: z
      .record(datasetFileKeySchema, datasetFileSpecSchema)
      .refine((files) => Object.keys(files).length > 0, 'a pull stage needs at least one file')
      .meta({ description: 'The files this stage pulls, by key; each is written to out/<key>.<format>.' }),
    schema: tableSchemaSchema
      .optional()
      .meta({ description: 'Expected columns of every file (a file may declare its own). Checked into out/validation.json. Default: none (no checks).' }),
  })
  .strict()
  .meta({ title: 'pull stage', description: 'Fetches dataset files pinned by the lock file beside the stage file, validates and profiles them.' });
export type PullStageConfig = z.infer<typeof pullStageConfigSchema>;
