import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, type StageContext, StageIOError, stableStringify, writeFileAtomic } from '@reproml/core';
import * as ort from 'onnxruntime-node';
import { exportModel } from './export-model';
import { FEATURE_FILES, type FeaturesManifest, readFeaturesManifest, type SplitName } from './features-manifest';
import { readFeatureSplit } from './read-feature-split';
import type { TrainStageConfig } from './train-stage-config';
import { type TrainingEvent, type TrainResult, train } from './trainer';
import { checkTrainingSplit, type TrainingSplit } from './training-data';

/** File names a train stage writes into `out/`. */
export const TRAIN_FILES = { model: 'model.onnx', curve: 'training-curve.json', modelInfo: 'model.json' } as const;

export interface RunTrainParams {
  context: StageContext;
  config: TrainStageConfig;
  /** Absolute output folder of the preprocess stage (`inputs.features`). */
  featuresDir: string;
  /** Project name of that stage, for messages and the lineage. */
  upstream: string;
}

/** The train stage: read the preprocess outputs, train, write model.onnx (preprocessing fused), the curve and model.json. */
export async function runTrain(params: RunTrainParams): Promise<TrainResult> {
  const { context, config } = params;
  const input = (name: string) => ({ path: join(params.featuresDir, name), file: `${params.upstream}/out/${name}` });

  context.progress({ type: 'phase', phase: 'read features' });
  const manifestFile = input(FEATURE_FILES.manifest);
  await recordRequired(context, manifestFile, params.upstream);
  const manifest = await readFeaturesManifest({ ...manifestFile, stage: context.stage.name });
  const readSplit = async (name: SplitName): Promise<TrainingSplit> => {
    const file = input(FEATURE_FILES.features(name));
    await recordRequired(context, file, params.upstream);
    const split = await readFeatureSplit({ ...file, manifest });
    // Checked here too (the trainer checks again) so that a bad value is reported with its file.
    if (split.rows === 0 && name === 'train') {
      throw new DataError(`${file.file} has no rows: the train split is empty`, {
        file: file.file,
        hint: 'Check the preprocess stage: its split fractions or filters left no training rows.',
      });
    }
    const classCount = manifest.classes?.length ?? 1;
    checkTrainingSplit({ split, splitName: name, featureNames: manifest.featureNames, task: manifest.task, classCount, file: file.file });
    return split;
  };
  const trainSplit = await readSplit('train');
  const validation = await readSplit('validation');
  const preprocessFile = input(FEATURE_FILES.preprocessOnnx);
  await recordRequired(context, preprocessFile, params.upstream);
  const preprocessOnnx = await readFile(preprocessFile.path);
  context.log(
    `${manifest.task}: ${trainSplit.rows} training rows, ${validation.rows} validation rows, ${manifest.featureNames.length} features` +
      (manifest.classes ? `, ${manifest.classes.length} classes` : ''),
  );

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
    preprocessOnnx,
    rawInputs: manifest.rawInputs,
    featureNames: manifest.featureNames,
    classes: manifest.classes,
    preprocessFile: preprocessFile.file,
  });
  await writeFileAtomic(join(context.outDir, TRAIN_FILES.model), model);
  await writeFileAtomic(join(context.outDir, TRAIN_FILES.curve), stableStringify(curveFile(result)));
  await writeFileAtomic(join(context.outDir, TRAIN_FILES.modelInfo), stableStringify(modelInfo(config, manifest, result, context.seed)));
  context.summarize({
    bestEpoch: result.bestEpoch,
    epochsRun: result.epochsRun,
    stoppedEarly: result.stoppedEarly,
    trainLoss: best.trainLoss,
    validationLoss: best.validationLoss ?? null,
    [`validation${result.validationMetricName === 'accuracy' ? 'Accuracy' : 'Rmse'}`]: best.validationMetric ?? null,
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
  if (event.type === 'epoch') {
    const { record } = event;
    const validation =
      record.validationLoss === undefined ? '' : ` val_loss ${record.validationLoss.toFixed(4)} val_metric ${record.validationMetric!.toFixed(4)}`;
    context.progress({
      type: 'progress',
      phase: 'train',
      done: record.epoch,
      total: event.epochs,
      unit: 'epochs',
      detail: `loss ${record.trainLoss.toFixed(4)}${validation}`,
    });
  } else if (event.type === 'early-stop') {
    context.progress({
      type: 'progress',
      phase: 'train',
      done: event.epoch,
      total: event.epoch,
      unit: 'epochs',
      detail: `early stop, best epoch ${event.bestEpoch}`,
    });
  }
}

function curveFile(result: TrainResult) {
  return {
    schemaVersion: 1,
    validationMetric: result.validationMetricName,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    epochs: result.curve,
  };
}

/** `model.json`; `seed` is the stage's seed (the one lineage.json records), never re-defaulted here. */
function modelInfo(config: TrainStageConfig, manifest: FeaturesManifest, result: TrainResult, seed: number) {
  return {
    schemaVersion: 1,
    family: config.model.family,
    model: config.model,
    training: config.training,
    seed,
    task: manifest.task,
    target: manifest.target,
    classes: manifest.classes ?? null,
    featureNames: manifest.featureNames,
    rawInputs: manifest.rawInputs,
    network: {
      inputSize: result.network.inputSize,
      hiddenLayers: result.network.hiddenLayers,
      outputSize: result.network.outputSize,
      loss: result.network.loss,
    },
    bestEpoch: result.bestEpoch,
    epochsRun: result.epochsRun,
    outputs: manifest.task === 'classification' ? { label: 'int64 [N] class id', probabilities: 'float [N, C]' } : { label: 'float [N] prediction' },
  };
}

async function recordRequired(context: StageContext, file: { path: string; file: string }, upstream: string): Promise<void> {
  try {
    await context.recordInput(file.path, upstream);
  } catch (error) {
    throw new StageIOError(`cannot read ${file.file}: ${(error as Error).message}`, {
      file: file.file,
      hint: `Run the upstream stage first (npx nx run ${upstream}:run).`,
      cause: error,
    });
  }
}
