import { DataError, type StringColumn } from '@reproml/core';
import { type DateFeature, dateFeature } from './date-features';
import { type DateFormat, type DateParts, describeDateFormat, parseDate } from './date-format';
import { describeRows } from './describe-rows';
import type { StageLocation } from './stage-location';

export interface ParseDateColumnParams {
  column: StringColumn;
  format: DateFormat;
  /** Values that mean "missing" besides null and "". */
  missingValues: readonly string[];
  /** Input-file row of each table row (0-based), for messages. */
  rowNumbers: ArrayLike<number>;
  location: StageLocation;
  /** Where the column is parsed as a date, for messages (e.g. `dates[0].columns`). */
  field: string;
}

/** The parsed date of each row; null = missing. A value that is not a date in the format fails with its rows. */
export function parseDateColumn(params: ParseDateColumnParams): (DateParts | null)[] {
  const { column, format } = params;
  const markers = new Set(['', ...params.missingValues]);
  const parsed: (DateParts | null)[] = new Array(column.values.length);
  const badRows: number[] = [];
  const badValues: string[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const value = column.values[i] ?? null;
    if (value === null || markers.has(value)) {
      parsed[i] = null;
      continue;
    }
    const parts = parseDate(value, format);
    if (!parts) {
      badRows.push(params.rowNumbers[i]!);
      if (badValues.length < 3) badValues.push(JSON.stringify(value));
    }
    parsed[i] = parts ?? null;
  }
  if (badRows.length) {
    throw new DataError(
      `Column '${column.name}' has values that are not dates in the format ${describeDateFormat(format)}: ${badValues.join(', ')} in ${describeRows(badRows)}`,
      {
        ...params.location,
        field: params.field,
        hint:
          format.kind === 'iso'
            ? `Give the rule a "format" (e.g. "%d/%m/%Y"), mark placeholders as missing with "missingValues": { "${column.name}": [${badValues[0]}] }, or filter those rows out.`
            : `Check the rule's "format", mark placeholders as missing with "missingValues": { "${column.name}": [${badValues[0]}] }, or filter those rows out.`,
      },
    );
  }
  return parsed;
}

/** One feature over parsed dates: NaN where the date is missing. */
export function dateFeatureValues(parsed: readonly (DateParts | null)[], feature: DateFeature): Float64Array {
  const out = new Float64Array(parsed.length);
  for (let i = 0; i < parsed.length; i++) {
    const parts = parsed[i];
    out[i] = parts ? dateFeature(feature, parts) : NaN;
  }
  return out;
}
