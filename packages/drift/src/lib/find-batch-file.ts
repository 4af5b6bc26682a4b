import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, didYouMean, StageIOError } from '@reproml/core';
import { type DatasetFormat, PROFILE_FILE, VALIDATION_FILE } from '@reproml/data';

const DATA_FORMATS: readonly string[] = ['csv', 'tsv', 'json', 'jsonl', 'parquet'];
const REPORT_FILES = new Set([PROFILE_FILE, VALIDATION_FILE, 'lineage.json']);

/** The data file `<key>.<format>` in a pull stage's output folder (its JSON reports are not data). */
export function findBatchFile(params: { dir: string; key?: string; upstream: string; stage: string; stageFile: string }): {
  key: string;
  format: DatasetFormat;
  path: string;
} {
  let names: string[];
  try {
    names = readdirSync(params.dir).sort();
  } catch (error) {
    throw new StageIOError(`the output folder of ${params.upstream} is missing: ${params.dir}`, {
      stage: params.stage,
      file: params.stageFile,
      hint: `Run ${params.upstream} first (\`npx nx run ${params.stage}:run\` does it for you).`,
      cause: error,
    });
  }
  const files = names
    .filter((name) => !REPORT_FILES.has(name))
    .map((name) => ({ name, dot: name.lastIndexOf('.') }))
    .filter(({ name, dot }) => dot > 0 && DATA_FORMATS.includes(name.slice(dot + 1)))
    .map(({ name, dot }) => ({ key: name.slice(0, dot), format: name.slice(dot + 1) as DatasetFormat, path: join(params.dir, name) }));
  const keys = files.map((file) => file.key);
  const location = { stage: params.stage, file: params.stageFile, field: 'file' };
  if (params.key === undefined) {
    if (files.length === 1) return files[0]!;
    throw new ConfigError(`${params.upstream} wrote ${files.length} data files; say which one is the batch`, {
      ...location,
      hint: `Set "file" to one of: ${keys.join(', ') || '(none)'}.`,
    });
  }
  const found = files.find((file) => file.key === params.key);
  if (found) return found;
  throw new ConfigError(`${params.upstream} has no data file '${params.key}'${didYouMean(params.key, keys)}`, {
    ...location,
    hint: `Its data files: ${keys.join(', ') || 'none'}.`,
  });
}
