import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Column, Table } from '@reproml/core';
import { type PreprocessStageConfig, preprocessStageConfigSchema } from '../lib/preprocess-stage-config';

/** Test fixtures: the vendored penguins data and the penguins preprocess stage file. */
const WORKSPACE = join(__dirname, '..', '..', '..', '..');
export const PENGUINS_JSON = join(WORKSPACE, 'pipelines', 'penguins', 'raw', 'penguins.json');
export const PENGUINS_STAGE_FILE = join(WORKSPACE, 'pipelines', 'penguins', 'preprocess', 'stage.json');

/** A Table from an array of flat JSON records (numbers and strings; null = missing), in key order of first appearance. */
export function tableFromRecords(records: readonly Record<string, unknown>[]): Table {
  const names: string[] = [];
  for (const record of records) for (const key of Object.keys(record)) if (!names.includes(key)) names.push(key);
  const columns = names.map((name): Column => {
    const values = records.map((record) => record[name] ?? null);
    if (values.every((value) => value === null || typeof value === 'number')) {
      return { name, kind: 'number', values: Float64Array.from(values, (value) => (value === null ? NaN : (value as number))) };
    }
    return { name, kind: 'string', values: values.map((value) => (value === null ? null : String(value))) };
  });
  return { columns, rowCount: records.length };
}

export function penguinsTable(): Table {
  return tableFromRecords(JSON.parse(readFileSync(PENGUINS_JSON, 'utf8')) as Record<string, unknown>[]);
}

export function penguinsConfig(): PreprocessStageConfig {
  return preprocessStageConfigSchema.parse(JSON.parse(readFileSync(PENGUINS_STAGE_FILE, 'utf8')));
}
