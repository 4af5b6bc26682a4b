import { ConfigError, parseStageOutput } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { PROFILE_SCHEMA_VERSION, profileOutput } from './profile-document';

const v1Number = {
  name: 'mass',
  kind: 'number',
  count: 2,
  nulls: 1,
  nullFraction: 1 / 3,
  min: 3750,
  max: 4000,
  mean: 3875,
  std: 176.78,
  quantiles: [
    { q: 0, value: 3750 },
    { q: 1, value: 4000 },
  ],
  histogram: { edges: [3750, 4000], counts: [1, 1] },
};
const v1String = { name: 'species', kind: 'string', count: 3, nulls: 0, nullFraction: 0, distinct: 2, top: [{ value: 'Adelie', count: 3 }], otherCount: 0 };

describe('profile.json contract', () => {
  it('reads a version 1 profile (before sketches, every figure exact) as version 2 with every column exact', () => {
    const read = parseStageOutput(profileOutput, { schemaVersion: 1, files: { penguins: { rows: 3, columns: [v1Number, v1String] } } }, 'profile.json');
    expect(read.schemaVersion).toBe(PROFILE_SCHEMA_VERSION);
    expect(read.files['penguins']!.columns).toEqual([
      { ...v1Number, exact: true, rankError: 0 },
      { ...v1String, capped: false },
    ]);
  });

  it('refuses a version it does not know and a version 2 profile without its exactness fields, naming the file', () => {
    const newer = { schemaVersion: 3, files: {} };
    expect(() => parseStageOutput(profileOutput, newer, 'pipelines/p/data/out/profile.json')).toThrow(ConfigError);
    expect(() => parseStageOutput(profileOutput, newer, 'pipelines/p/data/out/profile.json')).toThrow(/pipelines\/p\/data\/out\/profile\.json/);
    const incomplete = { schemaVersion: 2, files: { penguins: { rows: 3, columns: [v1Number] } } };
    expect(() => parseStageOutput(profileOutput, incomplete, 'profile.json')).toThrow(ConfigError);
  });
});
