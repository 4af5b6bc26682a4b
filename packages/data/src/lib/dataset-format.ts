import { z } from 'zod';

/** The data formats ReproML reads and a pull stage writes (`out/<key>.<format>`): the one list. */
export const datasetFormatSchema = z.enum(['csv', 'tsv', 'json', 'jsonl', 'parquet']);
export type DatasetFormat = z.infer<typeof datasetFormatSchema>;
export const DATASET_FORMATS: readonly DatasetFormat[] = datasetFormatSchema.options;

const EXTENSION_FORMATS: Readonly<Record<string, DatasetFormat>> = {
  csv: 'csv',
  tsv: 'tsv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  parquet: 'parquet',
};

/** The format a file name's extension implies (`.ndjson` is JSONL); undefined for another extension. */
export function formatFromExtension(name: string): DatasetFormat | undefined {
  const extension = name.split(/[?#]/)[0]!.split('.').pop()?.toLowerCase() ?? '';
  return EXTENSION_FORMATS[extension];
}
