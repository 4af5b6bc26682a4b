import { ConfigError, type StageRunContext, writeStageOutput } from '@reproml/core';
import { findDatasetFile, profileTable, readTable } from '@reproml/data';
import { DATASET_INPUT, type FeatureSelectConfig } from './feature-select-config';
import { selectColumns } from './select-columns';
import { selectionOutput } from './selection';

/** The feature-select stage: profile the upstream data file, pick its columns, write selection.json. */
export async function runFeatureSelect(context: StageRunContext, config: FeatureSelectConfig): Promise<void> {
  const dataset = context.input(DATASET_INPUT);
  const location = { stage: context.stage.name, file: context.stage.file };
  const file = findDatasetFile({ dir: dataset.dir, key: config.file, upstream: dataset.stage, location });
  const label = dataset.fileLabel(`${file.key}.${file.format}`);
  await context.recordInput(file.path, dataset.stage);
  context.progress({ type: 'phase', phase: 'profile', detail: label });
  const profile = profileTable(await readTable({ path: file.path, format: file.format, file: label }));
  const names = profile.columns.map((column) => column.name);
  for (const [field, listed] of [
    ['keep', config.keep],
    ['drop', config.drop],
  ] as const) {
    const unknown = listed.filter((name) => !names.includes(name));
    if (unknown.length) {
      throw new ConfigError(`${field} names column(s) ${unknown.map((name) => `'${name}'`).join(', ')} that ${label} does not have`, {
        ...location,
        field,
        hint: `Its columns: ${names.join(', ')}.`,
      });
    }
  }
  const { kept, dropped } = selectColumns(profile.columns, config);
  for (const column of dropped) context.log(`drop ${column.column} (${column.reason}, ${(column.nullFraction * 100).toFixed(1)}% missing)`);
  context.log(`kept ${kept.length} of ${names.length} column(s)`);
  context.summarize({ rows: profile.rows, kept: kept.length, dropped: dropped.length });
  await writeStageOutput(selectionOutput, context.outDir, { schemaVersion: 1, source: label, rows: profile.rows, kept, dropped }, location);
}
