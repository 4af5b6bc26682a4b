import { defineStageKind } from '@reproml/core';
import { featuresOutput } from '@reproml/onnx/contracts';
import { BATCH_INPUT, DRIFT_MODEL_INPUT, driftStageConfigSchema, REFERENCE_INPUT } from './lib/drift-stage-config';

/** The stage kind of @reproml/drift (light: onnxruntime loads inside `run`). */
export const driftKind = defineStageKind({
  name: 'drift',
  description:
    'Compare a new data batch with the training split (PSI, KS, chi-square, unseen categories, nulls, prediction drift); write drift.json, fail on an alert unless onAlert is "record"',
  schema: driftStageConfigSchema,
  inputs: {
    [BATCH_INPUT]: { description: 'the pull stage of the new data batch', kinds: ['pull'] },
    [REFERENCE_INPUT]: { description: 'the preprocess stage whose training split is the reference', kinds: ['preprocess'], reads: [featuresOutput] },
    [DRIFT_MODEL_INPUT]: { description: 'the train stage whose predictions are compared too', kinds: ['train'], required: false },
  },
  packages: ['@reproml/core', '@reproml/data', '@reproml/onnx', 'hyparquet', 'onnxruntime-node', 'onnx-proto', 'zod'],
  run: async (context, config) => {
    const { runDrift } = require('./lib/run-drift') as typeof import('./lib/run-drift');
    await runDrift({
      context,
      config,
      batch: context.input(BATCH_INPUT),
      features: context.input(REFERENCE_INPUT),
      ...(config.inputs[DRIFT_MODEL_INPUT] ? { model: context.input(DRIFT_MODEL_INPUT) } : {}),
    });
  },
});

export const stageKinds = [driftKind];
