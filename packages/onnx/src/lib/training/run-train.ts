import { join } from 'node:path';
import { type FoldSpec, type StageContext, writeFileAtomic, writeStageOutput } from '@reproml/core';
import * as ort from 'onnxruntime-node';
import type { FeaturesManifest } from '../contracts/features-manifest';
import { type ModelInfo, modelInfoOutput } from '../contracts/model-info-document';
import { type TrainingCurve, trainingCurveOutput } from '../contracts/training-curve-document';
import { exportModel } from './export-model';
import { modelInfoBase, modelOutputs } from './model-info';
import { readTrainingInputs } from './read-training-inputs';
import { MODEL_FILE, MODEL_INFO_FILE, TRAINING_CURVE_FILE } from './train-selection-metrics';
import type { TrainStageConfig } from './train-stage-config';
import { type TrainingEvent, type TrainResult, train } from './trainer';
import { bestStepSummary, reportEarlyStop, reportTrainingStep } from './training-progress';

/** File names a train stage writes into `out/`. */
export const TRAIN_FILES = { model: MODEL_FILE, curve: TRAINING_CURVE_FILE, modelInfo: MODEL_INFO_FILE } as const;

export interface RunTrainParams {
  context: StageContext;
  config: TrainStageConfig;
  /** Absolute output folder of the preprocess stage (`inputs.features`). */
  featuresDir: string;
  /** Project name of that stage, for messages and the lineage. */
  upstream: string;
  /** A cross-validation fold's project: train on the other folds of the training split, score on this one. */
  fold?: FoldSpec;
}

/** The train stage: read the preprocess outputs, train, write model.onnx (preprocessing fused), the curve and model.json. */
export async function runTrain(params: RunTrainParams): Promise<TrainResult> {
  const { context, config } = params;
  context.progress({ type: 'phase', phase: 'read features' });
  const { manifest, train: trainSplit, validation, preprocessOnnx, preprocessFile } = await readTrainingInputs({ ...params, grouped: true });

  context.progress({ type: 'phase', phase: 'train', detail: describeModel(config) });
  const result = await train({
    model: config.model,
    training: config.training,
    task: manifest.task,
    featureNames: manifest.featureNames,
    classes: manifest.classes,
    train: trainSplit,
    validation,
    rng: context.rng,
    intraOpNumThreads: config.threads,
    onEvent: (event) => reportEvent(context, event),
  });
  const best = result.curve[result.bestEpoch - 1]!;
  context.log(
    `best epoch ${result.bestEpoch} of ${result.epochsRun}${result.stoppedEarly ? ' (early stop)' : ''}: ` +
      `validation loss ${best.validationLoss?.toFixed(4)}, validation ${result.validationMetricName} ${best.validationMetric?.toFixed(4)}`,
  );

  context.progress({ type: 'phase', phase: 'export' });
  const model = exportModel({
    network: result.network,
    parameters: result.parameters,
    targetScaling: result.targetScaling,
    preprocessOnnx,
    rawInputs: manifest.rawInputs,
    featureNames: manifest.featureNames,
    classes: manifest.classes,
    classKind: manifest.classKind,
    preprocessFile,
  });
  await writeFileAtomic(join(context.outDir, TRAIN_FILES.model), model);
  await writeStageOutput(trainingCurveOutput, context.outDir, curveFile(result), { stage: context.stage.name });
  await writeStageOutput(modelInfoOutput, context.outDir, modelInfo(config, manifest, result, context.seed), { stage: context.stage.name });
  context.summarize({
    bestEpoch: result.bestEpoch,
    epochsRun: result.epochsRun,
    stoppedEarly: result.stoppedEarly,
    ...bestStepSummary(best, result.validationMetricName),
    onnxruntime: ort.env.versions.node ?? null,
  });
  return result;
}

function describeModel(config: TrainStageConfig): string {
  const shape = config.model.family === 'mlp' ? ` ${config.model.hiddenLayers.join('-')}` : '';
  const { optimizer } = config.training;
  return `${config.model.family}${shape}, ${optimizer.type} lr ${optimizer.learningRate}, batch ${config.training.batchSize}, up to ${config.training.epochs} epochs`;
}

function reportEvent(context: StageContext, event: TrainingEvent): void {
  if (event.type === 'epoch') reportTrainingStep(context, { unit: 'epochs', total: event.epochs, record: event.record });
  else if (event.type === 'early-stop') reportEarlyStop(context, { unit: 'epochs', at: event.epoch, best: event.bestEpoch });
}

function curveFile(result: TrainResult): TrainingCurve {
  return {
    schemaVersion: 1,
    validationMetric: result.validationMetricName,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    epochs: result.curve,
  };
}

/** `model.json`: the shared fields (modelInfoBase), the training config and the network. */
function modelInfo(config: TrainStageConfig, manifest: FeaturesManifest, result: TrainResult, seed: number): ModelInfo {
  if (config.model.family === 'gbdt') throw new TypeError('gbdt models are trained and described by @reproml/gbdt');
  const { schemaVersion, family, model, ...rest } = modelInfoBase({ family: config.model.family, model: config.model, seed, manifest });
  return {
    schemaVersion,
    family,
    model,
    training: config.training,
    ...rest,
    network: {
      inputSize: result.network.inputSize,
      hiddenLayers: [...result.network.hiddenLayers],
      outputSize: result.network.outputSize,
      loss: result.network.loss,
    },
    ...(result.targetScaling ? { targetScaling: result.targetScaling } : {}),
    bestEpoch: result.bestEpoch,
    epochsRun: result.epochsRun,
    outputs: modelOutputs(manifest),
  };
}
