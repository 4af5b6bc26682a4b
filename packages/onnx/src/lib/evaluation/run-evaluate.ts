import { join } from 'node:path';
import type { Table } from '@reproml/core';
import { DataError, type StageContext, stableStringify, writeFileAtomic, writeStageOutput } from '@reproml/core';
import { readTable } from '@reproml/data';
import { FEATURE_FILES, readFeaturesManifest } from '../contracts/features-manifest';
import { type ClassificationMetrics, metricsOutput, type RegressionMetrics } from '../contracts/metrics-document';
import { loadModel, type Predictions, predictTable } from '../inference/inference-runner';
import { readFeatureSplit } from '../training/read-feature-split';
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
    const columnKinds = Object.fromEntries(model.signature.rawInputs.map((input) => [input.name, input.kind]));
    const raw = await readTable({ path: rawFile.path, file: rawFile.file, format: 'csv', columnKinds });
    predictions = await predictInBatches(model, raw, config.batchSize, rawFile.file);
  } finally {
    await model.release();
  }
  const truth = (await readFeatureSplit({ ...labelFile, manifest })).labels;
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

async function predictInBatches(model: Awaited<ReturnType<typeof loadModel>>, table: Table, batchSize: number, file: string): Promise<Predictions> {
  const label = new Float64Array(table.rowCount);
  const classCount = model.signature.classes?.length ?? 0;
  const probabilities = classCount > 0 ? new Float32Array(table.rowCount * classCount) : undefined;
  for (let start = 0; start < table.rowCount; start += batchSize) {
    const end = Math.min(table.rowCount, start + batchSize);
    const slice: Table = {
      rowCount: end - start,
      columns: table.columns.map((column) =>
        column.kind === 'number' ? { ...column, values: column.values.slice(start, end) } : { ...column, values: column.values.slice(start, end) },
      ),
    };
    const batch = await predictTable({ model, table: slice, file });
    label.set(batch.label, start);
    if (probabilities && batch.probabilities) probabilities.set(batch.probabilities, start * classCount);
  }
  return { rows: table.rowCount, label, ...(probabilities ? { probabilities } : {}) };
}
