import { join } from 'node:path';
import { DataError, readStageOutput, type StageContext, stableStringify, type Table, writeFileAtomic } from '@reproml/core';
import { type ColumnKind, findDatasetFile, readTable } from '@reproml/data';
import { FEATURE_FILES, loadModel, readFeaturesManifest, TRAIN_FILES } from '@reproml/onnx';
import { transformOutput } from '@reproml/preprocess/contracts';
import { checkTableDrift, type PredictionColumns } from './check-table-drift';
import { format } from './compare-column';
import { dateColumnNames, datesAsDays } from './date-columns';
import type { DriftReport } from './drift-report';
import type { DriftStageConfig } from './drift-stage-config';
import { markMissing, missingMarkers } from './missing-markers';
import { modelPredictions } from './model-predictions';

export const DRIFT_FILE = 'drift.json';
/** The reference: the rows the model was fitted on, before imputation/encoding/scaling (the preprocess contract). */
export const REFERENCE_SPLIT = 'train';

export interface UpstreamStage {
  /** Absolute output folder. */
  dir: string;
  /** Nx project name. */
  stage: string;
}

export interface RunDriftParams {
  context: StageContext;
  config: DriftStageConfig;
  batch: UpstreamStage;
  features: UpstreamStage;
  model?: UpstreamStage;
}

/**
 * The drift stage: the batch (a pull stage's data file) against the preprocess stage's training
 * split (`train.raw.csv`: the exact rows and raw values the model was fitted on; the pull
 * stage's profile.json covers every row, test rows and filtered rows included, and has no
 * sample for KS). Writes out/drift.json; on an alert with onAlert "fail" it throws instead,
 * with the report saved under .reproml/runs/<project>/drift.json.
 */
export async function runDrift(params: RunDriftParams): Promise<DriftReport> {
  const { context, config } = params;
  const at = (upstream: UpstreamStage, name: string) => ({ path: join(upstream.dir, name), file: `${upstream.stage}/out/${name}` });
  const manifestFile = at(params.features, FEATURE_FILES.manifest);
  const referenceFile = at(params.features, FEATURE_FILES.raw(REFERENCE_SPLIT));
  const transformFile = at(params.features, FEATURE_FILES.transform);
  const batchFile = findDatasetFile({
    dir: params.batch.dir,
    key: config.file,
    upstream: params.batch.stage,
    location: { stage: context.stage.name, file: context.stage.file },
  });
  const batchName = `${params.batch.stage}/out/${batchFile.key}.${batchFile.format}`;
  for (const [file, from] of [
    [manifestFile, params.features.stage],
    [referenceFile, params.features.stage],
    [transformFile, params.features.stage],
  ] as const) {
    await context.recordInput(file.path, from);
  }
  await context.recordInput(batchFile.path, params.batch.stage);

  context.progress({ type: 'phase', phase: 'read', detail: `${referenceFile.file} and ${batchName}` });
  const manifest = await readFeaturesManifest({ ...manifestFile, stage: context.stage.name });
  const columnKinds: Record<string, ColumnKind> = Object.fromEntries(manifest.rawInputs.map((input) => [input.name, input.kind]));
  const transform = await readStageOutput(transformOutput, transformFile.path, transformFile.file, context.stage.name);
  const markers = missingMarkers(transform);
  const rawReference = markMissing(await readTable({ path: referenceFile.path, file: referenceFile.file, format: 'csv', columnKinds }), markers);
  const rawBatch = markMissing(await readTable({ path: batchFile.path, file: batchName, format: batchFile.format, columnKinds }), markers);
  if (rawBatch.rowCount === 0) {
    throw new DataError(`${batchName} has a header but no rows: there is no batch to compare`, {
      file: batchName,
      hint: `Check the upstream stage ${params.batch.stage}: its data file holds no rows.`,
    });
  }
  const columns = config.columns ?? manifest.rawInputs.map((input) => input.name);
  const reference = datesAsDays(rawReference, transform).table;
  const { table: batch, notDates } = datesAsDays(rawBatch, transform);
  for (const [column, count] of notDates)
    context.warn(`${batchName}: ${count} value(s) of date column '${column}' are not dates in its format: compared as missing`);

  const predictions = params.model
    ? await predictionColumns({
        context,
        config,
        features: params.features,
        model: params.model,
        reference: rawReference,
        batch: rawBatch,
        batchName,
        columnKinds,
        markers,
        dateColumns: dateColumnNames(transform),
      })
    : undefined;
  context.progress({ type: 'phase', phase: 'compare', detail: `${columns.length} feature(s)${predictions ? ' and the predictions' : ''}` });
  let checks: ReturnType<typeof checkTableDrift>;
  try {
    checks = checkTableDrift({ reference, batch, columns, config, predictions, batchFile: batchName });
  } catch (error) {
    if (error instanceof DataError)
      throw new DataError(error.message, { stage: context.stage.name, file: context.stage.file, field: 'columns', hint: error.hint, cause: error });
    throw error;
  }
  const report: DriftReport = {
    schemaVersion: 1,
    ...checks,
    reference: { stage: params.features.stage, file: referenceFile.file, rows: reference.rowCount },
    batch: { stage: params.batch.stage, file: batchName, rows: batch.rowCount },
  };

  for (const feature of [...report.features, ...(report.prediction ? [report.prediction] : [])]) {
    const test = feature.pValue === null ? '' : `, ${feature.test} p ${format(feature.pValue)}`;
    context.log(`${feature.name}: ${feature.verdict} (PSI ${format(feature.psi)}${test})${feature.reasons.length ? ` — ${feature.reasons.join('; ')}` : ''}`);
  }
  context.log(report.summary);
  context.summarize({
    verdict: report.verdict,
    alerts: report.alerts,
    warnings: report.warnings,
    batchRows: batch.rowCount,
    referenceRows: reference.rowCount,
  });

  if (report.verdict === 'alert' && config.onAlert === 'fail') {
    const saved = `.reproml/runs/${context.stage.name}/${DRIFT_FILE}`;
    await writeFileAtomic(join(context.workspaceRoot, saved), stableStringify(report));
    throw new DataError(`${batchName} drifted from the training data: ${report.alerts.join(', ')}\n  ${report.summary}`, {
      stage: context.stage.name,
      file: context.stage.file,
      hint: `Full report: ${saved}. To retrain on the new data: lock it into the training dataset (\`nx run <pull stage>:lock\`), commit, then \`nx affected -t run\`. To record alerts without failing, set "onAlert": "record".`,
    });
  }
  if (report.verdict === 'alert') context.warn(`drift alert recorded in out/${DRIFT_FILE} (onAlert: record): ${report.alerts.join(', ')}`);
  await writeFileAtomic(join(context.outDir, DRIFT_FILE), stableStringify(report));
  return report;
}

async function predictionColumns(params: {
  context: StageContext;
  config: DriftStageConfig;
  features: UpstreamStage;
  model: UpstreamStage;
  reference: Table;
  batch: Table;
  batchName: string;
  columnKinds: Record<string, ColumnKind>;
  markers: Map<string, Set<string>>;
  /** Raw date columns: the model parses any date, so a day it never saw is not an unseen category. */
  dateColumns: Set<string>;
}): Promise<PredictionColumns> {
  const { context, config } = params;
  const split = config.prediction.split;
  const modelFile = { path: join(params.model.dir, TRAIN_FILES.model), file: `${params.model.stage}/out/${TRAIN_FILES.model}` };
  const splitFile = { path: join(params.features.dir, FEATURE_FILES.raw(split)), file: `${params.features.stage}/out/${FEATURE_FILES.raw(split)}` };
  await context.recordInput(modelFile.path, params.model.stage);
  if (split !== REFERENCE_SPLIT) await context.recordInput(splitFile.path, params.features.stage);
  context.progress({ type: 'phase', phase: 'predict', detail: `${split} split and the batch` });
  const splitTable =
    split === REFERENCE_SPLIT
      ? params.reference
      : markMissing(await readTable({ path: splitFile.path, file: splitFile.file, format: 'csv', columnKinds: params.columnKinds }), params.markers);
  const knownValues = new Map<string, Set<string>>();
  for (const column of params.reference.columns) {
    if (column.kind === 'string' && !params.dateColumns.has(column.name))
      knownValues.set(column.name, new Set(column.values.filter((value): value is string => value !== null)));
  }
  const model = await loadModel({ ...modelFile, threads: config.threads });
  try {
    const onSplit = await modelPredictions({ model, table: splitTable, knownValues: new Map(), batchSize: config.batchSize, file: splitFile.file });
    const onBatch = await modelPredictions({ model, table: params.batch, knownValues, batchSize: config.batchSize, file: params.batchName });
    if (onBatch.excludedRows > 0)
      context.warn(`${onBatch.excludedRows} batch row(s) have a category the model was never fitted on: left out of the prediction drift`);
    return { reference: onSplit.column, batch: onBatch.column, referenceSplit: split, excludedRows: onBatch.excludedRows };
  } finally {
    await model.release();
  }
}
