import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, didYouMean, StageIOError } from '@reproml/core';
import type { StageLocation } from './stage-location';

/** Data formats a pull stage writes (`out/<key>.<format>`). */
const DATA_FORMATS = ['csv', 'tsv', 'json', 'jsonl', 'parquet'] as const;
export type DataFileFormat = (typeof DATA_FORMATS)[number];

export interface DatasetFile {
  key: string;
  format: DataFileFormat;
  path: string;
}

export interface FindDatasetFileParams {
  /** Absolute output folder of the upstream pull stage. */
  dir: string;
  /** File key to read; default the folder's only data file. */
  key?: string;
  /** Name of the upstream stage, for messages. */
  upstream: string;
  location: StageLocation;
}

/** The data file `<key>.<format>` in a pull stage's output folder (its JSON reports are not data files). */
export function findDatasetFile(params: FindDatasetFileParams): DatasetFile {
  let names: string[];
  try {
    names = readdirSync(params.dir).sort();
  } catch (error) {
    throw new StageIOError(`The output folder of ${params.upstream} is missing: ${params.dir}`, {
      ...params.location,
      hint: `Run the upstream stage first (\`npx nx run ${params.upstream}:run\`); \`nx run\` of this stage does it for you.`,
      cause: error,
    });
  }
  const files: DatasetFile[] = [];
  for (const name of names) {
    const dot = name.lastIndexOf('.');
    const format = name.slice(dot + 1) as DataFileFormat;
    const key = name.slice(0, dot);
    if (dot <= 0 || !DATA_FORMATS.includes(format)) continue;
    if (format === 'json' && ['lineage', 'validation', 'profile'].includes(key)) continue;
    files.push({ key, format, path: join(params.dir, name) });
  }
  const keys = files.map((file) => file.key);
  if (params.key === undefined) {
    if (files.length === 1) return files[0]!;
    throw new ConfigError(`${params.upstream} wrote ${files.length} data files; say which one to read`, {
      ...params.location,
      field: 'file',
      hint: files.length ? `Set "file" to one of: ${keys.join(', ')}.` : `Check that ${params.upstream} is a pull stage with files.`,
    });
  }
  const found = files.find((file) => file.key === params.key);
  if (found) return found;
  throw new ConfigError(`${params.upstream} has no data file '${params.key}'${didYouMean(params.key, keys)}`, {
    ...params.location,
    field: 'file',
    hint: `Its data files: ${keys.join(', ') || 'none'}.`,
  });
}
