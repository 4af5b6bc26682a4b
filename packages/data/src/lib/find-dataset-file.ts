import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, didYouMean, LINEAGE_FILE, type ReproErrorLocation, StageIOError } from '@reproml/core';
import { DATASET_FORMATS, type DatasetFormat } from './dataset-format';

/** The JSON reports a pull stage writes beside its data files: never data. */
const REPORT_FILES = new Set(['profile.json', 'validation.json', LINEAGE_FILE]);

export interface DatasetFile {
  key: string;
  format: DatasetFormat;
  /** Absolute path. */
  path: string;
}

export interface FindDatasetFileParams {
  /** Absolute output folder of the upstream pull stage. */
  dir: string;
  /** File key to read; default the folder's only data file. */
  key?: string;
  /** Nx project of the upstream stage, for messages. */
  upstream: string;
  /** The reading stage and its stage file; errors name the `file` field. */
  location: ReproErrorLocation;
}

/** The data files `<key>.<format>` in a pull stage's output folder, sorted by name. */
export function listDatasetFiles(dir: string): DatasetFile[] {
  const files: DatasetFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    const dot = name.lastIndexOf('.');
    const format = name.slice(dot + 1) as DatasetFormat;
    if (dot <= 0 || REPORT_FILES.has(name) || !DATASET_FORMATS.includes(format)) continue;
    files.push({ key: name.slice(0, dot), format, path: join(dir, name) });
  }
  return files;
}

/** The data file a stage reads from a pull stage's output folder (the one every kind that reads a pulled dataset uses). */
export function findDatasetFile(params: FindDatasetFileParams): DatasetFile {
  let files: DatasetFile[];
  try {
    files = listDatasetFiles(params.dir);
  } catch (error) {
    throw new StageIOError(`The output folder of ${params.upstream} is missing: ${params.dir}`, {
      ...params.location,
      hint: `Run the upstream stage first (\`npx nx run ${params.upstream}:run\`); \`nx run\` of this stage does it for you.`,
      cause: error,
    });
  }
  const keys = files.map((file) => file.key);
  const location = { ...params.location, field: 'file' };
  if (params.key === undefined) {
    if (files.length === 1) return files[0]!;
    throw new ConfigError(`${params.upstream} wrote ${files.length} data files; say which one to read`, {
      ...location,
      hint: files.length ? `Set "file" to one of: ${keys.join(', ')}.` : `Check that ${params.upstream} is a pull stage with files.`,
    });
  }
  const found = files.find((file) => file.key === params.key);
  if (found) return found;
  throw new ConfigError(`${params.upstream} has no data file '${params.key}'${didYouMean(params.key, keys)}`, {
    ...location,
    hint: `Its data files: ${keys.join(', ') || 'none'}.`,
  });
}
