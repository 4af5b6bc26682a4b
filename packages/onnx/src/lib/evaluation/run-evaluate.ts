import { join } from 'node:path';
import { DataError, type StageContext, stableStringify, writeFileAtomic, writeStageOutput } from '@reproml/core';
import { streamTableBatches } from '@reproml/data';
import { FEATURE_FILES, readFeaturesManifest } from '../contracts/features-manifest';
import { type ClassificationMetrics, metricsOutput, type RegressionMetrics } from '../contracts/metrics-document';
import { type LoadedModel, loadModel, type Predictions, predictBatches } from '../inference/inference-runner';
import { readFeatureLabels } from '../training/read-feature-split';
import { TRAIN_FILES } from '../training/run-train';
import { classificationCurves } from './classification-curves';
import { classificationMetrics } from './classification-metrics';
import type { EvaluateStageConfig } from './evaluate-stage-config';
import { regressionMetrics } from './regression-metrics';
import { checkThresholds, formatMetric } from './thresholds';

export const EVALUATE_FILES = { metrics: metricsOutput.file, curves: 'curves.json' } as const;

export interface RunEvaluateParams {
  context: StageContext;
  config: EvaluateStageConfig;
  /** Absolute output folders and project names of the train stage and the preprocess stage. */
  modelDir: string;
  modelStage: string;
  featuresDir: string;
  featuresStage: string;
}

export type EvaluationMetrics = (ClassificationMetrics & { task: 'classification' }) | (RegressionMetrics & { task: 'regression' });

/**
 * The evaluate stage: the held-out split's raw rows go through model.onnx (the fused
 * preprocessing included, as in serving); the truth is the split's label column.
 */
export async function runEvaluate(params: RunEvaluateParams): Promise<EvaluationMetrics> {
  const { context, config } = params;
  const split = config.split;
  const modelFile = { path: join(params.modelDir, TRAIN_FILES.model), file: `${params.modelStage}/out/${TRAIN_FILES.model}` };
  const featuresFile = (name: string) => ({ path: join(params.featuresDir, name), file: `${params.featuresStage}/out/${name}` });
  const manifestFile = featuresFile(FEATURE_FILES.manifest);
  const rawFile = featuresFile(FEATURE_FILES.raw(split));
  const labelFile = featuresFile(FEATURE_FILES.features(split));
  for (const [file, from] of [
    [modelFile, params.modelStage],
    [manifestFile, params.featuresStage],
    [rawFile, params.featuresStage],
    [labelFile, params.featuresStage],
  ] as const) {
    await context.recordInput(file.path, from);
  }

  context.progress({ type: 'phase', phase: 'predict', detail: `${split} split` });
  const manifest = await readFeaturesManifest({ ...manifestFile, stage: context.stage.name });
  const model = await loadModel({ ...modelFile, threads: config.threads });
  let predictions: Predictions;
  try {
    predictions = await predictInBatches(model, rawFile, config.batchSize, manifest.splits[split].rows);
  } finally {
    await model.release();
  }
  const truth = await readFeatureLabels({ ...labelFile, manifest });
  if (truth.length !== predictions.rows) {
    throw new DataError(`${rawFile.file} has ${predictions.rows} rows but ${labelFile.file} has ${truth.length}`, {
      file: rawFile.file,
      hint: 'The split files come from different runs: rerun the preprocess stage.',
    });
  }
  if (truth.length === 0) {
    throw new DataError(`the ${split} split is empty: nothing to evaluate`, {
      file: labelFile.file,
      hint: 'Give the preprocess stage a non-zero fraction for this split.',
    });
  }

  const metrics: EvaluationMetrics =
    manifest.task === 'classification'
      ? {
          task: 'classification',
          ...classificationMetrics({ truth, predicted: predictions.label, probabilities: predictions.probabilities!, classes: manifest.classes ?? [] }),
        }
      : { task: 'regression', ...regressionMetrics({ truth, predicted: predictions.label }) };
  await writeStageOutput(metricsOutput, context.outDir, { schemaVersion: 1, split, thresholds: config.thresholds, ...metrics }, { stage: context.stage.name });
  if (metrics.task === 'classification') {
    // ROC/PR points for the tracking report (classification only; a regression has none).
    const curves = classificationCurves({ truth, probabilities: predictions.probabilities!, classes: manifest.classes ?? [] });
    await writeFileAtomic(join(context.outDir, EVALUATE_FILES.curves), stableStringify({ ...curves, split }));
  }
  const headline = headlineMetrics(metrics);
  context.log(
    `${split} split, ${truth.length} rows: ${Object.entries(headline)
      .map(([name, value]) => `${name} ${value === null ? 'n/a' : formatMetric(value)}`)
      .join(', ')}`,
  );
  if (metrics.task === 'classification')
    context.log(`confusion matrix (rows = truth, columns = predicted; ${manifest.classes?.join(', ')}): ${JSON.stringify(metrics.confusionMatrix)}`);
  context.summarize({ split, rows: truth.length, ...headline });
  checkThresholds({ thresholds: config.thresholds, metrics: headline, task: metrics.task, file: context.stage.file });
  return metrics;
}

export function headlineMetrics(metrics: EvaluationMetrics): Record<string, number | null> {
  return metrics.task === 'classification'
    ? { accuracy: metrics.accuracy, precision: metrics.precision, recall: metrics.recall, f1: metrics.f1, rocAuc: metrics.rocAuc, logLoss: metrics.logLoss }
    : { rmse: metrics.rmse, mae: metrics.mae, r2: metrics.r2 };
}

/**
 * The model over the split's raw rows, streamed in batches of `batchSize` (memory: a few
 * batches plus the predictions, not the split's table); only the model's raw inputs are read.
 * The outputs are sized for the rows features.json gives the split (grown if the file has more).
 */
async function predictInBatches(model: LoadedModel, raw: { path: string; file: string }, batchSize: number, expectedRows: number): Promise<Predictions> {
  const columns = Object.fromEntries(model.signature.rawInputs.map((input) => [input.name, input.kind]));
  const classCount = model.signature.classes?.length ?? 0;
  let label = new Float64Array(expectedRows);
  let probabilities = classCount > 0 ? new Float32Array(expectedRows * classCount) : undefined;
  let rows = 0;
  const batches = streamTableBatches({ path: raw.path, file: raw.file, format: 'csv', columns, batchSize });
  for await (const { table, predictions } of predictBatches({ model, batches, file: raw.file })) {
    const end = rows + table.rowCount;
    if (end > label.length) {
      const capacity = Math.max(end, Math.ceil(label.length * 1.25));
      label = grown(label, capacity);
      if (probabilities) probabilities = grown(probabilities, capacity * classCount);
    }
    label.set(predictions.label, rows);
    if (probabilities && predictions.probabilities) probabilities.set(predictions.probabilities, rows * classCount);
    rows = end;
  }
  return { rows, label: label.subarray(0, rows), ...(probabilities ? { probabilities: probabilities.subarray(0, rows * classCount) } : {}) };
}

function grown<T extends Float32Array | Float64Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}
