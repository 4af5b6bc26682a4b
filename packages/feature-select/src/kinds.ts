import { defineStageKind } from '@reproml/core';
import { DATASET_INPUT, featureSelectConfigSchema } from './lib/feature-select-config';
import { selectionOutput } from './lib/selection';

/**
 * An example stage kind from outside the plugin. This module is what nx.json registers
 * (`"kinds": ["@reproml/feature-select"]`): light, schemas and declarations only; `run`
 * loads the work.
 */
export const featureSelectKind = defineStageKind({
  name: 'feature-select',
  description: 'Select the columns of a pulled dataset worth modelling (drop mostly-missing, constant and listed columns); write selection.json',
  schema: featureSelectConfigSchema,
  inputs: {
    [DATASET_INPUT]: { description: 'the pull stage whose data file is inspected', kinds: ['pull'] },
  },
  outputs: [selectionOutput],
  packages: ['@reproml/core', '@reproml/data', 'hyparquet', 'zod'],
  run: async (context, config) => {
    const { runFeatureSelect } = require('./lib/run-feature-select') as typeof import('./lib/run-feature-select');
    await runFeatureSelect(context, config);
  },
});

export const stageKinds = [featureSelectKind];
export { type Selection, selectionOutput } from './lib/selection';
