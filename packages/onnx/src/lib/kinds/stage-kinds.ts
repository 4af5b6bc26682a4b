import { join } from 'node:path';
import { defineStageKind, toWorkspacePath } from '@reproml/core';
import { metricsOutput } from '../contracts/metrics-document';
import { modelInfoOutput } from '../contracts/model-info-document';
import { type TrainingCurve, trainingCurveOutput } from '../contracts/training-curve-document';
import { EVALUATE_FEATURES_INPUT, evaluateInputs, evaluateStageConfigSchema, MODEL_INPUT } from '../evaluation/evaluate-stage-config';
import { PREDICT_MODEL_INPUT, predictInputs, predictStageConfigSchema } from '../inference/predict-stage-config';
import { bestEpochScores, MODEL_FILE, MODEL_INFO_FILE, TRAIN_SELECTION_METRICS, TRAINING_CURVE_FILE } from '../training/train-selection-metrics';
import { FEATURES_INPUT, trainInputs, trainStageConfigSchema } from '../training/train-stage-config';

/**
 * The stage kinds of @reproml/onnx. Light: schemas and declarations only; onnxruntime and
 * the trainer load inside `run`.
 */
const ONNX_PACKAGES = ['@reproml/core', '@reproml/data', 'onnxruntime-node', 'onnx-proto', 'zod'] as const;

export const trainKind = defineStageKind({
  name: 'train',
  description:
    'Train a linear, logistic, MLP (onnxruntime) or gradient-boosted trees model on the features of a preprocess stage; write model.onnx with the preprocessing fused in front',
  schema: trainStageConfigSchema,
  inputs: trainInputs,
  outputs: [modelInfoOutput, trainingCurveOutput],
  sweep: {
    metrics: TRAIN_SELECTION_METRICS,
    scoreFiles: [trainingCurveOutput],
    scores: (documents) => bestEpochScores(documents[TRAINING_CURVE_FILE] as TrainingCurve),
    artifacts: [MODEL_FILE, TRAINING_CURVE_FILE, MODEL_INFO_FILE],
  },
  // @reproml/gbdt trains `model.family: "gbdt"`: its code is hashed for every train stage, loaded only for gbdt ones.
  packages: [...ONNX_PACKAGES, '@reproml/gbdt'],
  run: async (context, config) => {
    const features = context.input(FEATURES_INPUT);
    const params = { context, config, featuresDir: features.dir, upstream: features.stage, fold: context.fold };
    if (config.model.family === 'gbdt') {
      const { runGbdtTrain } = require('@reproml/gbdt') as typeof import('@reproml/gbdt');
      await runGbdtTrain(params);
    } else {
      const { runTrain } = require('../training/run-train') as typeof import('../training/run-train');
      await runTrain(params);
    }
  },
});

export const evaluateKind = defineStageKind({
  name: 'evaluate',
  description: 'Run model.onnx on a held-out split of raw rows, write metrics.json, fail on unmet thresholds',
  schema: evaluateStageConfigSchema,
  inputs: evaluateInputs,
  outputs: [metricsOutput],
  packages: ONNX_PACKAGES,
  run: async (context, config) => {
    const { runEvaluate } = require('../evaluation/run-evaluate') as typeof import('../evaluation/run-evaluate');
    const model = context.input(MODEL_INPUT);
    const features = context.input(EVALUATE_FEATURES_INPUT);
    await runEvaluate({ context, config, modelDir: model.dir, modelStage: model.stage, featuresDir: features.dir, featuresStage: features.stage });
  },
});

export const predictKind = defineStageKind({
  name: 'predict',
  description: 'Batch inference of model.onnx over a data file, streamed in batches; write predictions.csv',
  schema: predictStageConfigSchema,
  inputs: predictInputs,
  // `data.from` names another input (any kind) whose out/ holds the data file.
  openInputs: true,
  packages: ['@reproml/core', '@reproml/data', 'hyparquet', 'onnxruntime-node', 'onnx-proto', 'zod'],
  run: async (context, config) => {
    const { runPredict } = require('../inference/run-predict') as typeof import('../inference/run-predict');
    const model = context.input(PREDICT_MODEL_INPUT);
    // A file from an upstream stage's out/ (hashed as its output), or one in this stage's folder (hashed as the stage).
    const source = config.data.from === undefined ? { dir: context.stageDir, stage: context.stage.name } : context.input(config.data.from);
    const dataPath = join(source.dir, config.data.path);
    await runPredict({
      context,
      config,
      modelDir: model.dir,
      modelStage: model.stage,
      data: { path: dataPath, file: toWorkspacePath(context.workspaceRoot, dataPath), from: source.stage },
    });
  },
});

export const stageKinds = [trainKind, evaluateKind, predictKind];
