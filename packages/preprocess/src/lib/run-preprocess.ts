import { DataError, type StageContext, type Table, toWorkspacePath } from '@reproml/core';
import { type DatasetFile, findDatasetFile } from '@reproml/data';
import { featureStatistics } from './feature-statistics';
import type { PreprocessStageConfig } from './preprocess-stage-config';
import { preprocessTable } from './preprocess-table';
import { SPLIT_NAMES } from './split-rows';
import { writePreprocessOutputs } from './write-preprocess-outputs';

export interface RunPreprocessParams {
  context: StageContext;
  config: PreprocessStageConfig;
  /** Absolute folder of the stage (custom transform modules are relative to it). */
  stageDir: string;
  /** Absolute output folder of the upstream pull stage (`inputs.dataset`). */
  datasetDir: string;
  /** Project name of the upstream stage, for messages and the lineage. */
  upstream: string;
  /** Reads the upstream data file into a Table (packages/data `readTable` in the executor). */
  readTable: (file: DatasetFile) => Promise<Table>;
}

/**
 * The preprocess stage: read the upstream file, split (seeded), fit on the training split,
 * apply to every split, write the contract files. Logs and summarizes what auditors check:
 * shapes, rows dropped per filter, null counts before/after imputation, feature names and
 * per-feature mean/std after scaling (training split).
 */
export async function runPreprocess(params: RunPreprocessParams): Promise<void> {
  const { context, config } = params;
  const location = { stage: context.stage.name, file: context.stage.file };
  const seed = context.seed;

  context.progress({ type: 'phase', phase: 'read' });
  const file = findDatasetFile({ dir: params.datasetDir, key: config.file, upstream: params.upstream, location });
  await context.recordInput(file.path, params.upstream);
  const table = await params.readTable(file);
  if (table.rowCount === 0) {
    throw new DataError(`${toWorkspacePath(context.workspaceRoot, file.path)} has a header (${table.columns.length} column(s)) but no rows`, {
      ...location,
      file: toWorkspacePath(context.workspaceRoot, file.path),
      hint: `Check the upstream stage ${params.upstream}: its data file holds no rows.`,
    });
  }
  context.log(`input ${file.key}.${file.format}: ${table.rowCount} rows × ${table.columns.length} columns`);

  const result = await preprocessTable({
    table,
    spec: config,
    seed,
    location: { ...location, input: toWorkspacePath(context.workspaceRoot, file.path) },
    stageDir: params.stageDir,
    log: context.log,
    onCustomModule: async (path) => void (await context.recordInput(path, 'custom-transform')),
    onStep: (step) => context.progress({ type: 'phase', phase: step }),
  });
  const kept = result.rowNumbers.length;
  for (const report of result.filters) context.log(`filter ${report.filter}: dropped ${report.rowsDropped} row(s)`);
  context.log(`after filters: ${kept} rows (${result.input.rows - kept} dropped)`);
  const sizes = SPLIT_NAMES.map((split) => `${split} ${result.splits[split].length}`).join(', ');
  context.log(`split (seed ${seed}${config.split.stratify ? `, stratified by '${config.split.stratify}'` : ''}): ${sizes}`);
  for (const count of result.transformed.nullCounts) {
    if (count.before || count.after) context.log(`nulls in '${count.column}': ${count.before} before imputation, ${count.after} after`);
  }
  const { featureNames } = result.transform;
  for (const entry of result.transform.resolvedColumns ?? []) context.log(`${entry.field}: ${entry.columns.join(', ')}`);
  context.log(`features (${featureNames.length}): ${featureNames.join(', ')}`);
  const stats = featureStatistics(result.transformed.blocks, result.splits.train);
  for (const stat of stats) context.log(`  ${stat.name}: mean ${stat.mean.toFixed(4)}, std ${stat.std.toFixed(4)} (train)`);

  context.progress({ type: 'phase', phase: 'write' });
  const manifest = await writePreprocessOutputs({ outDir: context.outDir, result });
  context.summarize({
    input: { file: `${file.key}.${file.format}`, rows: result.input.rows, columns: result.input.columns },
    filters: result.filters,
    rowsAfterFilters: kept,
    splits: Object.fromEntries(SPLIT_NAMES.map((split) => [split, { rows: manifest.splits[split].rows, columns: featureNames.length + 1 }])),
    featureNames,
    resolvedColumns: Object.fromEntries((result.transform.resolvedColumns ?? []).map((entry) => [entry.field, entry.columns])),
    nullCounts: result.transformed.nullCounts,
    featureStatistics: Object.fromEntries(stats.map((stat) => [stat.name, { mean: stat.mean, std: stat.std }])),
    ...(manifest.classes ? { classes: manifest.classes } : {}),
  });
}
