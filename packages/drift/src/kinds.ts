import { defineStageKind } from '@reproml/core';
import { BATCH_INPUT, DRIFT_MODEL_INPUT, driftInputs, driftStageConfigSchema, REFERENCE_INPUT } from './lib/drift-stage-config';

/** The stage kind of @reproml/drift (light: onnxruntime loads inside `run`). */
export const driftKind = defineStageKind({
  name: 'drift',
  description:
    'Compare a new data batch with the training split (PSI, KS, chi-square, unseen categories, nulls, prediction drift); write drift.json, fail on an alert unless onAlert is "record"',
  schema: driftStageConfigSchema,
  inputs: driftInputs,
  packages: ['@reproml/core', '@reproml/data', '@reproml/onnx', '@reproml/preprocess', 'hyparquet', 'onnxruntime-node', 'onnx-proto', 'zod'],
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
