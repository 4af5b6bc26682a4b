import { ConfigError, parseConfig } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { preprocessStageConfigSchema } from './preprocess-stage-config';

const base = {
  kind: 'preprocess',
  inputs: { dataset: 'data' },
  target: { column: 'Species' },
};

function parse(value: unknown) {
  return parseConfig({ schema: preprocessStageConfigSchema, value, file: 'pipelines/p/preprocess/stage.json', stage: 'p-preprocess' });
}

function configError(value: unknown): ConfigError {
  try {
    parse(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('preprocess stage spec', () => {
  it('fills the documented defaults', () => {
    const config = parse(base);
    expect(config.target.task).toBe('classification');
    expect(config.split).toEqual({ train: 0.7, validation: 0.15, test: 0.15 });
    expect(config).toMatchObject({ casts: {}, missingValues: {}, custom: [], filters: [], impute: [], encode: [], scale: [] });
    expect(config.columns).toEqual({ drop: [] });
    const encode = parse({ ...base, encode: [{ columns: ['Island'] }] }).encode[0]!;
    expect(encode).toEqual({ columns: ['Island'], method: 'onehot', unseen: 'error', unknownValue: -1, categories: {} });
    const filter = parse({ ...base, filters: [{ op: 'dropMissing', columns: ['a'] }] }).filters[0]!;
    expect(filter).toEqual({ op: 'dropMissing', columns: ['a'], how: 'all' });
  });

  it('names a misspelt field and suggests the right one', () => {
    const error = configError({ ...base, imputes: [] });
    expect(error.message).toMatch(/Unknown field 'imputes' .*did you mean 'impute'/);
    expect(error.stage).toBe('p-preprocess');
    const nested = configError({ ...base, encode: [{ columns: ['Island'], unsen: 'ignore' }] });
    expect(nested.message).toMatch(/Unknown field 'encode.0.unsen' .*did you mean 'unseen'/);
  });

  it('suggests the right field inside a filter or a column selector (members of unions)', () => {
    const filter = configError({ ...base, filters: [{ op: 'notNull', columns: ['Sex'] }] });
    expect(filter.message).toMatch(/Unknown field 'filters.0.columns' in pipelines\/p\/preprocess\/stage.json \(did you mean 'column'\?\)/);
    expect(filter.hint).toBe("Allowed fields in 'filters.0': op, column.");
    const dropMissing = configError({ ...base, filters: [{ op: 'dropMissing', column: 'Sex' }] });
    expect(dropMissing.message).toMatch(/Unknown field 'filters.0.column' .*did you mean 'columns'/);
    const selector = configError({ ...base, scale: [{ columns: { tpye: 'number' }, method: 'standard' }] });
    expect(selector.message).toMatch(/Unknown field 'scale.0.columns.tpye' .*did you mean 'type'/);
    const dateRule = configError({ ...base, dates: [{ columns: ['d'], feature: ['year'] }] });
    expect(dateRule.message).toMatch(/Unknown field 'dates.0.feature' .*did you mean 'features'/);
  });

  it('refuses a constant imputation without a value, and a value for another strategy', () => {
    expect(configError({ ...base, impute: [{ columns: ['a'], strategy: 'constant' }] }).field).toBe('impute.0.value');
    expect(configError({ ...base, impute: [{ columns: ['a'], strategy: 'mean', value: 1 }] }).message).toMatch(/only used by strategy "constant"/);
  });

  it('refuses split fractions that do not add up to 1', () => {
    expect(configError({ ...base, split: { train: 0.8, validation: 0.1, test: 0.2 } }).message).toMatch(/add up to 1/);
  });

  it('refuses overlapping rules: a column imputed twice, an encoded column scaled, the target as a feature', () => {
    expect(
      configError({
        ...base,
        impute: [
          { columns: ['a'], strategy: 'mean' },
          { columns: ['a'], strategy: 'median' },
        ],
      }).message,
    ).toMatch(/'a' is already in impute\[0\]; one impute rule per column/);
    const scaled = configError({ ...base, encode: [{ columns: ['Island'] }], scale: [{ columns: ['Island'], method: 'standard' }] });
    expect(scaled.field).toBe('scale.0.columns.0');
    expect(scaled.message).toMatch(/only number columns are scaled/);
    expect(configError({ ...base, scale: [{ columns: ['Species'], method: 'standard' }] }).message).toMatch(/is the target column/);
  });

  it('refuses categories for a column the rule does not encode', () => {
    const error = configError({ ...base, encode: [{ columns: ['Island'], categories: { Sex: ['MALE'] } }] });
    expect(error.field).toBe('encode.0.categories.Sex');
  });

  it('needs inputs.dataset, and custom modules inside the stage folder', () => {
    expect(configError({ ...base, inputs: {} }).field).toBe('inputs.dataset');
    expect(configError({ ...base, custom: [{ module: '../other/x.ts' }] }).field).toBe('custom.0.module');
    expect(configError({ ...base, custom: [{ module: '/abs/x.ts' }] }).message).toMatch(/relative to the stage folder/);
  });

  it('checks filter operands by operator', () => {
    expect(configError({ ...base, filters: [{ op: 'gt', column: 'a', value: 'x' }] }).field).toBe('filters.0.value');
    expect(configError({ ...base, filters: [{ op: 'in', column: 'a', values: [] }] }).field).toBe('filters.0.values');
  });
});
