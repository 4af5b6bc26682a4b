import type { Table } from '@reproml/core';
import { ChunkReader } from './chunk-reader';
import { DEFAULT_MISSING_VALUES } from './column-kinds';
import { utf8TableBytes } from './decode-text';
import { openBytes, openFile } from './delimited-table';
import { inspectDelimited } from './inspect-delimited';
import { inspectJsonl } from './inspect-jsonl';
import { inspectParquet } from './inspect-parquet';
import { profileTable, type TableProfile } from './profile-table';
import type { DatasetFileSpec, DatasetFormat } from './pull-stage-config';
import { parseTable, readTable, readTableBytes } from './read-table';
import type { TableInspection } from './table-inspector';
import type { TableSchema } from './table-schema';
import { type TableValidation, validateTable } from './validate-table';

export interface FileValidationReport extends Partial<TableValidation> {
  source: string;
  /** False when no schema applies to the file (nothing was checked). */
  checked: boolean;
}

export interface InspectedDatasetFile {
  validation: FileValidationReport;
  profile: TableProfile;
}

export interface InspectDatasetFileParams {
  /** The file: a path (CSV/TSV are then streamed from disk, never held whole) or its bytes. */
  data: { path: string } | { bytes: Uint8Array };
  format: DatasetFormat;
  source: string;
  spec: Pick<DatasetFileSpec, 'encoding' | 'missingValues' | 'columnKinds'>;
  /** The file's schema (its own or the stage's), if any. */
  schema: TableSchema | undefined;
  /** Names the file in messages. */
  file: string;
}

/**
 * What a pull stage knows about one locked file, read with the stage's rules: its validation
 * against the schema and its profile. `pull` writes these; `data diff` and the lock's
 * changelog compare two of them, so both read a dataset version the same way. CSV/TSV are
 * streamed (`inspectDelimited`: memory independent of the file's size), JSONL a window of
 * records at a time (`inspectJsonl`), Parquet a row group at a time (`inspectParquet`); a JSON
 * array (and a file in another encoding) is read into a table first, then goes through the
 * same profilers and validator.
 */
export async function inspectDatasetFile(params: InspectDatasetFileParams): Promise<InspectedDatasetFile> {
  const { spec, schema, format, file } = params;
  const columnKinds = columnKindsFor(spec, schema);
  let inspected: TableInspection;
  if (format === 'csv' || format === 'tsv') {
    const encoding = spec.encoding ?? 'utf-8';
    const delimiter = format === 'tsv' ? '\t' : ',';
    const open =
      'path' in params.data && encoding === 'utf-8'
        ? openFile(params.data.path, file)
        : openBytes(utf8TableBytes({ bytes: await bytesOf(params.data, file), encoding, file, delimiter }), file);
    inspected = await inspectDelimited({ open, delimiter, file, missingValues: spec.missingValues ?? DEFAULT_MISSING_VALUES, columnKinds, schema });
  } else if (format === 'jsonl' && (spec.encoding ?? 'utf-8') === 'utf-8') {
    const data = params.data;
    const open =
      'path' in data
        ? () => ChunkReader.open({ path: data.path, file })
        : async () => ChunkReader.fromBytes(utf8TableBytes({ bytes: data.bytes, encoding: 'utf-8', file }), file);
    inspected = await inspectJsonl({ open, file, columnKinds, schema });
  } else if (format === 'parquet' && (spec.encoding ?? 'utf-8') === 'utf-8') {
    inspected = await inspectParquet({ data: params.data, file, columnKinds, schema });
  } else {
    const options = { format, encoding: spec.encoding, missingValues: spec.missingValues, columnKinds, file };
    const table = 'path' in params.data ? await readTable({ ...options, path: params.data.path }) : await parseTable({ ...options, bytes: params.data.bytes });
    inspected = inspectTable(table, schema);
  }
  const validation: FileValidationReport = inspected.validation
    ? { source: params.source, checked: true, ...inspected.validation }
    : { source: params.source, checked: false };
  return { validation, profile: inspected.profile };
}

/** A table already in memory, through the same profilers and validator the streamed path feeds window by window. */
export function inspectTable(table: Table, schema: TableSchema | undefined): TableInspection {
  return { profile: profileTable(table), validation: schema && validateTable(table, schema) };
}

async function bytesOf(data: InspectDatasetFileParams['data'], file: string): Promise<Uint8Array> {
  return 'bytes' in data ? data.bytes : readTableBytes(data.path, file);
}

/** String columns of the schema are read as strings (a zip code stays "00501"); the file spec can force more. */
function columnKindsFor(spec: InspectDatasetFileParams['spec'], schema: TableSchema | undefined): Record<string, 'number' | 'string'> {
  const kinds: Record<string, 'number' | 'string'> = {};
  for (const [name, column] of Object.entries(schema?.columns ?? {})) if (column.type === 'string') kinds[name] = 'string';
  return { ...kinds, ...spec.columnKinds };
}
