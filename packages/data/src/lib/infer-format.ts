import { ConfigError } from '@reproml/core';
import { type DatasetFileSpec, type DatasetFormat, datasetFormatSchema } from './pull-stage-config';

const EXTENSION_FORMATS: Record<string, DatasetFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  parquet: 'parquet',
};

/** The declared format, or the one the source's extension implies. */
export function inferFormat(spec: DatasetFileSpec, location: { stage: string; file: string; field: string }): DatasetFormat {
  if (spec.format) return spec.format;
  const extension = spec.source.split(/[?#]/)[0]!.split('.').pop()?.toLowerCase() ?? '';
  const format = EXTENSION_FORMATS[extension];
  if (format) return format;
  throw new ConfigError(`Cannot tell the format of '${spec.source}' from its extension`, {
    ...location,
    hint: `Set "format" to one of ${datasetFormatSchema.options.join(', ')}.`,
  });
}
