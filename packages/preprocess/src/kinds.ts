import { defineStageKind, toWorkspacePath } from '@reproml/core';
import { featuresOutput } from '@reproml/onnx/contracts';
import { transformOutput } from './lib/fitted-transform';
import { DATASET_INPUT, preprocessInputs, preprocessStageConfigSchema } from './lib/preprocess-stage-config';

/** The stage kind of @reproml/preprocess (light: the work loads on demand). */
export const preprocessKind = defineStageKind({
  name: 'preprocess',
  description: 'Split a pulled dataset (seeded), fit transforms on the training split, write the splits, transform.json and preprocess.onnx',
  schema: preprocessStageConfigSchema,
  inputs: preprocessInputs,
  outputs: [featuresOutput, transformOutput],
  // danfojs-node only runs custom transforms; its version is still hashed because they can use it.
  // hyparquet reads a pulled Parquet file.
  packages: ['@reproml/core', '@reproml/data', '@reproml/onnx', 'danfojs-node', 'hyparquet', 'onnx-proto', 'zod'],
  run: async (context, config) => {
    const { runPreprocess } = require('./lib/run-preprocess') as typeof import('./lib/run-preprocess');
    const { readTable } = require('@reproml/data') as typeof import('@reproml/data');
    const dataset = context.input(DATASET_INPUT);
    await runPreprocess({
      context,
      config,
      stageDir: context.stageDir,
      datasetDir: dataset.dir,
      upstream: dataset.stage,
      readTable: (file) => readTable({ path: file.path, format: file.format, file: toWorkspacePath(context.workspaceRoot, file.path) }),
    });
  },
});

export const stageKinds = [preprocessKind];

// For generators and other tools that write preprocess specs (light: schemas and pure functions only).
export { COLUMN_TYPES, type ColumnSelector, type ColumnsSpec, type ColumnType, columnSelectorSchema, columnsSchema, columnType } from './lib/column-selector';
export { DATE_FEATURE_MEANINGS, DATE_FEATURES, type DateFeature, DEFAULT_DATE_FEATURES, dateFeatureName } from './lib/date-features';
export { type DateFormat, type DateParts, ISO_DATE_FORMAT, parseDate } from './lib/date-format';
export { type DateRule, dateRuleSchema } from './lib/transform-spec';
