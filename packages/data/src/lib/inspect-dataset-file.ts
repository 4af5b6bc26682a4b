import type { Table } from '@reproml/core';
import { profileTable, type TableProfile } from './profile-table';
import type { DatasetFileSpec, DatasetFormat } from './pull-stage-config';
import { parseTable, readTable } from './read-table';
import type { TableSchema } from './table-schema';
import { type TableValidation, validateTable } from './validate-table';

export interface FileValidationReport extends Partial<TableValidation> {
  source: string;
  /** False when no schema applies to the file (nothing was checked). */
  checked: boolean;
}

export interface InspectedDatasetFile {
  table: Table;
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
 * What a pull stage knows about one locked file: the table read with the stage's rules, its
 * validation against the schema and its profile. `pull` writes these; `data diff` and the
 * lock's changelog compare two of them, so both read a dataset version the same way.
 */
export async function inspectDatasetFile(params: InspectDatasetFileParams): Promise<InspectedDatasetFile> {
  const { spec, schema } = params;
  const options = {
    format: params.format,
    encoding: spec.encoding,
    missingValues: spec.missingValues,
    columnKinds: columnKindsFor(spec, schema),
    file: params.file,
  };
  const table = 'path' in params.data ? await readTable({ ...options, path: params.data.path }) : await parseTable({ ...options, bytes: params.data.bytes });
  const validation: FileValidationReport = schema
    ? { source: params.source, checked: true, ...validateTable(table, schema) }
    : { source: params.source, checked: false };
  return { table, validation, profile: profileTable(table) };
}

/** String columns of the schema are read as strings (a zip code stays "00501"); the file spec can force more. */
function columnKindsFor(spec: InspectDatasetFileParams['spec'], schema: TableSchema | undefined): Record<string, 'number' | 'string'> {
  const kinds: Record<string, 'number' | 'string'> = {};
  for (const [name, column] of Object.entries(schema?.columns ?? {})) if (column.type === 'string') kinds[name] = 'string';
  return { ...kinds, ...spec.columnKinds };
}
