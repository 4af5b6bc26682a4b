import { ConfigError, DataError, parseConfig, type Table } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { tableFromRecords } from '../testing/penguins';
import { denseValues } from './apply-transform';
import { DATE_FEATURES, dateFeature, daysFromCivil } from './date-features';
import { compileDateFormat, ISO_DATE_FORMAT, parseDate } from './date-format';
import { preprocessStageConfigSchema } from './preprocess-stage-config';
import { preprocessTable } from './preprocess-table';

const location = { stage: 'weather-preprocess', file: 'pipelines/weather/preprocess/stage.json' };

/** The features as JavaScript's own calendar computes them (an independent oracle). */
function oracle(year: number, month: number, day: number, hour: number) {
  const time = Date.UTC(year, month - 1, day, hour);
  const date = new Date(time);
  date.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  const days = Math.floor(date.getTime() / 86_400_000);
  const startOfYear = new Date(Date.UTC(2000, 0, 1));
  startOfYear.setUTCFullYear(year);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    daysSinceEpoch: days,
    dayOfWeek: (date.getUTCDay() + 6) % 7,
    dayOfYear: days - Math.floor(startOfYear.getTime() / 86_400_000) + 1,
  };
}

describe('date features', () => {
  it('agree with JavaScript Date on every 97th day from 1600 to 2400, leap days and month ends', () => {
    const dates: [number, number, number][] = [];
    for (let days = daysFromCivil(1600, 1, 1); days < daysFromCivil(2400, 12, 31); days += 97) {
      const date = new Date(days * 86_400_000);
      dates.push([date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]);
    }
    dates.push([2000, 2, 29], [1900, 2, 28], [1900, 3, 1], [2024, 2, 29], [2023, 12, 31], [1969, 12, 31], [1970, 1, 1], [1600, 2, 29], [2100, 3, 1]);
    expect(dates.length).toBeGreaterThan(3000);
    for (const [year, month, day] of dates) {
      const expected = oracle(year, month, day, 13);
      for (const feature of DATE_FEATURES) {
        expect(dateFeature(feature, { year, month, day, hour: 13 }), `${feature} of ${year}-${month}-${day}`).toBe(expected[feature]);
      }
    }
    expect(dateFeature('dayOfWeek', { year: 1970, month: 1, day: 1, hour: 0 })).toBe(3); // a Thursday
    expect(dateFeature('dayOfYear', { year: 2024, month: 12, day: 31, hour: 0 })).toBe(366);
  });

  it('parses ISO-8601 dates and datetimes and refuses impossible ones', () => {
    expect(parseDate('2024-02-29', ISO_DATE_FORMAT)).toEqual({ year: 2024, month: 2, day: 29, hour: 0 });
    expect(parseDate('2024-02-29T23:59:59.5+02:00', ISO_DATE_FORMAT)).toEqual({ year: 2024, month: 2, day: 29, hour: 23 });
    expect(parseDate('1969-07-20 20:17', ISO_DATE_FORMAT)).toEqual({ year: 1969, month: 7, day: 20, hour: 20 });
    expect(parseDate('2024-01-05T08:00Z', ISO_DATE_FORMAT)).toEqual({ year: 2024, month: 1, day: 5, hour: 8 });
    for (const text of ['2023-02-29', '2024-13-01', '2024-04-31', '2024-01-05T24:00', '2024-1-5', '05/01/2024', '2024-01-05T08', 'yesterday']) {
      expect(parseDate(text, ISO_DATE_FORMAT), text).toBeUndefined();
    }
  });

  it('parses an explicit format and refuses formats preprocess.onnx cannot split, naming the field', () => {
    const format = compileDateFormat('%d/%m/%Y %H:%M', 'dates[0].format', location);
    expect(parseDate('29/02/2024 07:30', format)).toEqual({ year: 2024, month: 2, day: 29, hour: 7 });
    expect(parseDate('5/1/2024 7:05', format)).toEqual({ year: 2024, month: 1, day: 5, hour: 7 });
    expect(parseDate('31/04/2024 07:30', format)).toBeUndefined();
    for (const [text, problem] of [
      ['%Y%m%d', /two directives with no separator between them/],
      ['%b %d, %Y', /uses %b/],
      ['[%Y-%m-%d]', /text before its first directive/],
      ['%Y-%m', /has no %d/],
      ['%d0%m0%Y', /digit in a separator/],
    ] as const) {
      let error: unknown;
      try {
        compileDateFormat(text, 'dates[0].format', location);
      } catch (caught) {
        error = caught;
      }
      expect(error, text).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(problem);
      expect((error as ConfigError).field).toBe('dates[0].format');
      expect((error as ConfigError).hint).toMatch(/custom transform/);
    }
  });
});

function spec(fields: Record<string, unknown>) {
  return parseConfig({
    schema: preprocessStageConfigSchema,
    value: { kind: 'preprocess', inputs: { dataset: 'data' }, target: { column: 'weather' }, split: { train: 1, validation: 0, test: 0 }, ...fields },
    ...location,
  });
}

const weather = (dates: (string | null)[]): Table => tableFromRecords(dates.map((date, i) => ({ date, temp: i * 1.5, weather: i % 2 ? 'sun' : 'rain' })));

describe('dates in the preprocess stage', () => {
  it('derives the chosen features per column, imputed and scaled like number columns', async () => {
    const table = weather(['2012-01-01', '2012-02-29', null, '2012-12-31T18:00:00']);
    const result = await preprocessTable({
      table,
      spec: spec({
        dates: [{ columns: ['date'], features: ['year', 'dayOfYear', 'hour', 'daysSinceEpoch'] }],
        impute: [{ columns: ['date'], strategy: 'median' }],
        scale: [{ columns: ['date'], method: 'minmax' }],
      }),
      seed: 1,
      location,
    });
    const column = result.transform.columns[0]!;
    expect(column).toMatchObject({ name: 'date', kind: 'date', format: null, missingValues: [] });
    expect(result.transform.rawInputs[0]).toEqual({ name: 'date', kind: 'string', onnxName: 'date' });
    expect(result.transform.featureNames).toEqual(['date.year', 'date.dayOfYear', 'date.hour', 'date.daysSinceEpoch', 'temp']);
    const dayOfYear = result.transformed.blocks[1]!;
    // 1, 60, (median of 1, 60, 366 = 60), 366 scaled to [0, 1] over 1..366
    expect(dayOfYear.kind === 'dense' && Array.from(denseValues(dayOfYear, 4))).toEqual([0, 59 / 365, 59 / 365, 1]);
  });

  it('fails on a value that is not a date in the format, naming the rows and the rule', async () => {
    const attempt = preprocessTable({ table: weather(['2012-01-01', '2012-31-01', 'n/a']), spec: spec({ dates: [{ columns: 'date' }] }), seed: 1, location });
    await expect(attempt).rejects.toThrow(DataError);
    await expect(attempt).rejects.toThrow(/'date' has values that are not dates in the format ISO-8601.*"2012-31-01", "n\/a" in rows 2, 3/);
    const marked = await preprocessTable({
      table: weather(['01/02/2012', '29/02/2012', 'n/a']),
      spec: spec({ missingValues: { date: ['n/a'] }, dates: [{ columns: 'date', format: '%d/%m/%Y', features: ['month'] }], keepMissing: true }),
      seed: 1,
      location,
    });
    const month = marked.transformed.blocks[0]!;
    expect(month.kind === 'dense' && Array.from(denseValues(month, 3))).toEqual([2, 2, NaN]);
  });

  it('suggests the date features when a date column is cast to number or left without a rule', async () => {
    const table = tableFromRecords([1, 2, 3].map((i) => ({ Year: `197${i}-01-01`, weather: 'sun' })));
    const cast = preprocessTable({ table, spec: spec({ casts: { Year: 'number' } }), seed: 1, location });
    await expect(cast).rejects.toThrow(/cannot be cast to number: "1971-01-01", "1972-01-01", "1973-01-01"/);
    const error = (await cast.catch((caught: unknown) => caught)) as DataError;
    expect(error.hint).toMatch(
      /'Year' holds dates: remove the cast .*"dates": \[\{ "columns": \["Year"\], "features": \["year", "month", "day", "dayOfWeek"\] \}\]/,
    );
    expect(error.hint).not.toMatch(/missingValues/);
    const same = tableFromRecords([1, 2, 3].map(() => ({ Year: '1970-01-01', weather: 'sun' })));
    const repeated = (await preprocessTable({ table: same, spec: spec({ casts: { Year: 'number' } }), seed: 1, location }).catch(
      (caught: unknown) => caught,
    )) as DataError;
    expect(repeated.message).toMatch(/cannot be cast to number: "1970-01-01" in rows 1, 2, 3/);
    const unencoded = (await preprocessTable({ table, spec: spec({}), seed: 1, location }).catch((caught: unknown) => caught)) as ConfigError;
    expect(unencoded).toBeInstanceOf(ConfigError);
    expect(unencoded.hint).toMatch(/It holds dates: derive number features with "dates"/);
  });
});
