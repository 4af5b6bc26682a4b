import { join } from 'node:path';
import { ConfigError, type StageContext, writeFileAtomic, writeStageOutput } from '@reproml/core';
import {
  bestStepSummary,
  exportFusedModel,
  type FeaturesManifest,
  type GbdtModelConfig,
  type ModelInfo,
  modelInfoBase,
  modelInfoOutput,
  modelOutputs,
  type RunTrainParams,
  readTrainingInputs,
  reportEarlyStop,
  reportTrainingStep,
  TRAIN_FILES,
  type TrainingCurve,
  trainingCurveOutput,
} from '@reproml/onnx';
import { buildTreeEnsembleGraph } from './export-trees';
import { type FitGbdtResult, fitGbdt, type RoundEvent } from './fit-gbdt';

/**
 * The train stage for `model.family: "gbdt"`: reads the preprocess outputs like every
 * train stage (missing feature values allowed: the trees route them), boosts, and writes
 * the same files as the other families: model.onnx (preprocessing fused in front),
 * training-curve.json (one record per round) and model.json (with feature importance).
 */
export async function runGbdtTrain(params: RunTrainParams): Promise<FitGbdtResult> {
  const { context, config } = params;
  const model = config.model;
  if (model.family !== 'gbdt') {
    throw new ConfigError(`runGbdtTrain trains model family 'gbdt', not '${model.family}'`, { field: 'model.family' });
  }
  context.progress({ type: 'phase', phase: 'read features' });
  const inputs = await readTrainingInputs({ ...params, allowMissing: true });
  const { manifest } = inputs;

  context.progress({ type: 'phase', phase: 'train', detail: describeModel(model) });
  const result = fitGbdt({
    config: model,
    task: manifest.task,
    featureNames: manifest.featureNames,
    classes: manifest.classes,
    train: inputs.train,
    validation: inputs.validation,
    rng: context.rng,
    onRound: (event) => reportRound(context, event),
  });
  const best = result.curve[result.bestRound - 1]!;
  context.log(
    `best round ${result.bestRound} of ${result.roundsRun}${result.stoppedEarly ? ' (early stop)' : ''}, ${result.model.trees.length} trees: ` +
      `validation loss ${best.validationLoss?.toFixed(4)}, validation ${result.validationMetricName} ${best.validationMetric?.toFixed(4)}`,
  );

  context.progress({ type: 'phase', phase: 'export' });
  const bytes = exportFusedModel({
    modelGraph: buildTreeEnsembleGraph(result.model, manifest.task),
    family: 'gbdt',
    task: manifest.task,
    preprocessOnnx: inputs.preprocessOnnx,
    rawInputs: manifest.rawInputs,
    featureNames: manifest.featureNames,
    classes: manifest.classes,
    classKind: manifest.classKind,
    preprocessFile: inputs.preprocessFile,
  });
  await writeFileAtomic(join(context.outDir, TRAIN_FILES.model), bytes);
  await writeStageOutput(trainingCurveOutput, context.outDir, curveFile(result), { stage: context.stage.name });
  await writeStageOutput(modelInfoOutput, context.outDir, modelInfo(params, manifest, result), { stage: context.stage.name });
  context.summarize({
    bestRound: result.bestRound,
    roundsRun: result.roundsRun,
    stoppedEarly: result.stoppedEarly,
    trees: result.model.trees.length,
    ...bestStepSummary(best, result.validationMetricName),
  });
  return result;
}

function describeModel(model: GbdtModelConfig): string {
  const leaves = model.maxLeaves ? `, ≤ ${model.maxLeaves} leaves` : '';
  return `gbdt up to ${model.nTrees} rounds, learning rate ${model.learningRate}, depth ≤ ${model.maxDepth}${leaves}, ${model.maxBins} bins`;
}

function reportRound(context: StageContext, event: RoundEvent): void {
  if (event.type === 'round') reportTrainingStep(context, { unit: 'rounds', total: event.rounds, record: event.record });
  else reportEarlyStop(context, { unit: 'rounds', at: event.round, best: event.bestRound });
}

/** training-curve.json as the other families write it (`epochs` = rounds, `bestEpoch` = best round), so reports read it the same way. */
function curveFile(result: FitGbdtResult): TrainingCurve {
  return {
    schemaVersion: 1,
    unit: 'round',
    validationMetric: result.validationMetricName,
    bestEpoch: result.bestRound,
    stoppedEarly: result.stoppedEarly,
    epochs: result.curve,
  };
}

function modelInfo(params: RunTrainParams, manifest: FeaturesManifest, result: FitGbdtResult): ModelInfo {
  const { config } = params;
  if (config.model.family !== 'gbdt') throw new TypeError(`model.json of a gbdt stage, not '${config.model.family}'`);
  const { model } = result;
  return {
    ...modelInfoBase({ family: 'gbdt' as const, model: config.model, seed: params.context.seed, manifest }),
    ensemble: {
      objective: model.objective,
      outputs: model.outputs,
      trees: model.trees.length,
      leaves: model.trees.reduce((sum, tree) => sum + tree.feature.filter((feature) => feature < 0).length, 0),
      baseMargins: model.baseMargins,
    },
    featureImportance: result.importance,
    bestRound: result.bestRound,
    roundsRun: result.roundsRun,
    outputs: modelOutputs(manifest),
  };
}
