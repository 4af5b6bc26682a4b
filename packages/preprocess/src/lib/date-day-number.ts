import { daysFromCivil } from './date-features';
import { compileDateFormat, parseDate } from './date-format';
import type { FittedDateColumn } from './fitted-transform';

/**
 * How a reader of transform.json reads a date column's raw text as one number: days since
 * 1970-01-01 with the hour as a fraction, parsed exactly as the preprocess stage parses it
 * (the column's recorded `format`, ISO-8601 when null). Undefined when the text is not a date.
 */
export function dateDayNumberReader(column: Pick<FittedDateColumn, 'name' | 'format'>): (text: string) => number | undefined {
  const format = compileDateFormat(column.format ?? undefined, column.name, {});
  return (text) => {
    const parts = parseDate(text, format);
    return parts && daysFromCivil(parts.year, parts.month, parts.day) + parts.hour / 24;
  };
}
