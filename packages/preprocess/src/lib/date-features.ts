import type { DateParts } from './date-format';

/**
 * The features a date column can be turned into, each a number. The formulas use only
 * +, −, ×, ÷ and floor on whole numbers, exactly as preprocess.onnx computes them
 * (export-date-graph.ts), so both agree bit for bit.
 */
export const DATE_FEATURES = ['year', 'month', 'day', 'dayOfWeek', 'dayOfYear', 'hour', 'daysSinceEpoch'] as const;
export type DateFeature = (typeof DATE_FEATURES)[number];

/** What each feature is, for the schema and the docs. */
export const DATE_FEATURE_MEANINGS: Record<DateFeature, string> = {
  year: 'the year, e.g. 2024',
  month: '1 (January) to 12',
  day: 'day of the month, 1 to 31',
  dayOfWeek: '0 (Monday) to 6 (Sunday)',
  dayOfYear: '1 (1 January) to 366',
  hour: '0 to 23 (0 when the value has no time)',
  daysSinceEpoch: 'whole days since 1970-01-01 (negative before it)',
};

/** The features a date rule derives when it names none. */
export const DEFAULT_DATE_FEATURES: readonly DateFeature[] = ['year', 'month', 'day', 'dayOfWeek'];

/** Name of the feature column derived from a date column, e.g. `date.dayOfWeek`. */
export function dateFeatureName(column: string, feature: DateFeature): string {
  return `${column}.${feature}`;
}

/** Days from 1970-01-01 to the date (proleptic Gregorian calendar; H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const afterFebruary = Math.floor((month + 9) / 12); // 0 for January/February, 1 otherwise
  const shiftedYear = year - 1 + afterFebruary; // years start on 1 March
  const shiftedMonth = month + 9 - 12 * afterFebruary; // March = 0 … February = 11
  const era = Math.floor(shiftedYear / 400);
  const yearOfEra = shiftedYear - 400 * era;
  const dayOfShiftedYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = 365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfShiftedYear;
  return 146097 * era + dayOfEra - 719468;
}

/** One feature of a parsed date. */
export function dateFeature(feature: DateFeature, parts: DateParts): number {
  switch (feature) {
    case 'year':
      return parts.year;
    case 'month':
      return parts.month;
    case 'day':
      return parts.day;
    case 'hour':
      return parts.hour;
    case 'daysSinceEpoch':
      return daysFromCivil(parts.year, parts.month, parts.day);
    case 'dayOfWeek': {
      const shifted = daysFromCivil(parts.year, parts.month, parts.day) + 3; // 1970-01-01 was a Thursday (3)
      return shifted - 7 * Math.floor(shifted / 7);
    }
    case 'dayOfYear':
      return daysFromCivil(parts.year, parts.month, parts.day) - daysFromCivil(parts.year, 1, 1) + 1;
  }
}
