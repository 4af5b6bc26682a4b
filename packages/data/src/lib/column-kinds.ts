import { z } from 'zod';

export const columnKindSchema = z.enum(['number', 'string']);
export type ColumnKind = z.infer<typeof columnKindSchema>;

/**
 * Cell texts that mean "missing" in delimited files, as pandas reads them by default
 * (minus the rarer spellings). JSON and Parquet have a real null and do not use these.
 */
export const DEFAULT_MISSING_VALUES: readonly string[] = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'];
