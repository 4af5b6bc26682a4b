import { ConfigError } from '@reproml/core';
import { type DatasetFormat, datasetFormatSchema, formatFromExtension } from './dataset-format';
import type { DatasetFileSpec } from './pull-stage-config';

/** The declared format, or the one the source's extension implies. */
export function inferFormat(spec: DatasetFileSpec, location: { stage: string; file: string; field: string }): DatasetFormat {
  if (spec.format) return spec.format;
  const format = formatFromExtension(spec.source);
  if (format) return format;
  throw new ConfigError(`Cannot tell the format of '${spec.source}' from its extension`, {
    ...location,
    hint: `Set "format" to one of ${datasetFormatSchema.options.join(', ')}.`,
  });
}
