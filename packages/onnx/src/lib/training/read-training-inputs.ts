import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assignFolds, DataError, type FoldSpec, type StageContext, StageIOError } from '@reproml/core';
import { FEATURE_FILES, type FeaturesManifest, readFeaturesManifest, type SplitName } from '../contracts/features-manifest';
import { readFeatureGroups, readFeatureSplit } from './read-feature-split';
import { type AnySplit, checkTrainingSplit, type TrainingSplit } from './training-data';

export interface TrainingInputs<S extends AnySplit = TrainingSplit> {
  manifest: FeaturesManifest;
  train: S;
  validation: S;
  /** Bytes of the upstream preprocess.onnx, and its name for messages. */
  preprocessOnnx: Uint8Array;
  preprocessFile: string;
}

export interface ReadTrainingInputsParams {
  context: StageContext;
  /** Absolute output folder of the preprocess stage (`inputs.features`). */
  featuresDir: string;
  /** Project name of that stage, for messages and the lineage. */
  upstream: string;
  /** Let missing feature values (NaN) through: for model families that handle them (gbdt). Default false. */
  allowMissing?: boolean;
  /** A cross-validation fold: the training split's other folds become the training rows, this fold the validation rows. */
  fold?: FoldSpec;
  /**
   * Read the splits as feature groups (`readFeatureGroups`: one-hot columns a byte per value), for
   * the network trainer. A cross-validation fold still reads rows (its folds are row copies).
   */
  grouped?: boolean;
}

/**
 * What every train stage reads from its preprocess stage (features.json, the train and
 * validation feature files, preprocess.onnx), each recorded as an input of the lineage
 * and checked, so a bad value is reported with its file.
 */
export async function readTrainingInputs(params: ReadTrainingInputsParams & { grouped: true }): Promise<TrainingInputs<AnySplit>>;
export async function readTrainingInputs(params: ReadTrainingInputsParams): Promise<TrainingInputs>;
export async function readTrainingInputs(params: ReadTrainingInputsParams): Promise<TrainingInputs<AnySplit>> {
  const { context, upstream } = params;
  const input = (name: string) => ({ path: join(params.featuresDir, name), file: `${upstream}/out/${name}` });
  const manifestFile = input(FEATURE_FILES.manifest);
  await recordRequired(context, manifestFile, upstream);
  const manifest = await readFeaturesManifest({ ...manifestFile, stage: context.stage.name });
  const grouped = params.grouped === true && !params.fold;
  const readSplit = async (name: SplitName): Promise<AnySplit> => {
    const file = input(FEATURE_FILES.features(name));
    await recordRequired(context, file, upstream);
    const split = grouped ? await readFeatureGroups({ ...file, manifest }) : await readFeatureSplit({ ...file, manifest });
    // Checked here too (the trainer checks again) so that a bad value is reported with its file.
    if (split.rows === 0 && name === 'train') {
      throw new DataError(`${file.file} has no rows: the train split is empty`, {
        file: file.file,
        hint: 'Check the preprocess stage: its split fractions or filters left no training rows.',
      });
    }
    const classCount = manifest.classes?.length ?? 1;
    checkTrainingSplit({
      split,
      splitName: name,
      featureNames: manifest.featureNames,
      task: manifest.task,
      classCount,
      file: file.file,
      allowMissing: params.allowMissing,
    });
    return split;
  };
  const fullTrain = await readSplit('train');
  const { train, validation } = params.fold
    ? foldSplits(fullTrain as TrainingSplit, params.fold, manifest, context)
    : { train: fullTrain, validation: await readSplit('validation') };
  const preprocessFile = input(FEATURE_FILES.preprocessOnnx);
  await recordRequired(context, preprocessFile, upstream);
  const preprocessOnnx = await readFile(preprocessFile.path);
  context.log(
    `${manifest.task}: ${train.rows} training rows, ${validation.rows} validation rows, ${manifest.featureNames.length} features` +
      (manifest.classes ? `, ${manifest.classes.length} classes` : ''),
  );
  return { manifest, train, validation, preprocessOnnx, preprocessFile: preprocessFile.file };
}

/**
 * Fold `i` of k of the training split (stratified by class for classification, seeded):
 * the rows of the other folds train, the rows of fold `i` are scored (as validation rows, so
 * the curve's best epoch is that fold's score, early stopping included, as xgboost.cv does).
 */
function foldSplits(
  split: TrainingSplit,
  fold: FoldSpec,
  manifest: FeaturesManifest,
  context: StageContext,
): { train: TrainingSplit; validation: TrainingSplit } {
  const assigned = assignFolds(split.labels, { folds: fold.folds, seed: fold.seed, stratify: fold.stratify && manifest.task === 'classification' });
  const width = manifest.featureNames.length;
  const pick = (keep: (row: number) => boolean): TrainingSplit => {
    const rows = [...assigned.keys()].filter(keep);
    const features = new Float32Array(rows.length * width);
    const labels = new Float64Array(rows.length);
    rows.forEach((row, i) => {
      features.set(split.features.subarray(row * width, (row + 1) * width), i * width);
      labels[i] = split.labels[row]!;
    });
    return { features, labels, rows: rows.length };
  };
  const held = fold.index - 1;
  const result = { train: pick((row) => assigned[row] !== held), validation: pick((row) => assigned[row] === held) };
  context.log(
    `cross-validation fold ${fold.index} of ${fold.folds} (seed ${fold.seed}): ${result.train.rows} training rows, ${result.validation.rows} held out`,
  );
  return result;
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
