import type { Column, Table } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { diffTableProfiles } from './diff-table-profiles';
import { profileCdf, sharesInBins } from './profile-distribution';
import { profileTable } from './profile-table';

function table(columns: Column[]): Table {
  return { rowCount: columns[0]!.values.length, columns };
}
const numbers = (name: string, values: number[]): Column => ({ name, kind: 'number', values: Float64Array.from(values) });
const strings = (name: string, values: (string | null)[]): Column => ({ name, kind: 'string', values });
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('diffTableProfiles', () => {
  const before = table([
    numbers(
      'mass',
      range(200, (i) => 3000 + i * 10),
    ),
    numbers(
      'length',
      range(200, (i) => 40 + (i % 20)),
    ),
    strings(
      'island',
      range(200, (i) => ['Biscoe', 'Dream', 'Torgersen'][i % 3]!),
    ),
  ]);
  const after = table([
    numbers(
      'mass',
      range(200, (i) => 4500 + i * 10),
    ),
    numbers(
      'length',
      range(200, (i) => 40 + ((i + 7) % 20)),
    ),
    strings(
      'island',
      range(200, (i) => ['Biscoe', 'Dream'][i % 2]!),
    ),
    numbers(
      'year',
      range(200, (i) => 2007 + (i % 3)),
    ),
  ]);
  const diff = diffTableProfiles(profileTable(before), profileTable(after));
  const column = (name: string) => diff.columns.find((entry) => entry.name === name)!;

  it('names the added column, the vanished category and the shifted column, and nothing else', () => {
    expect(diff.columns.filter((entry) => entry.change !== 'kept').map((entry) => [entry.name, entry.change])).toEqual([['year', 'added']]);
    expect(column('island').categories).toEqual({ added: [], vanished: ['Torgersen'], complete: true });
    expect(column('mass').shift?.level).toBe('major');
    expect(column('mass').shift?.ks).toBeGreaterThan(0.7);
    expect(column('length').shift?.level).toBe('stable');
    expect(column('length').shift?.psi).toBeLessThan(0.01);
  });

  it('reports ranges and null shares of both versions', () => {
    expect(column('mass').numbers?.before.min).toBe(3000);
    expect(column('mass').numbers?.after.min).toBe(4500);
    expect(column('year').nullShare).toEqual({ before: null, after: 0 });
  });

  it('finds no shift between a profile and itself', () => {
    const same = diffTableProfiles(profileTable(before), profileTable(before));
    for (const entry of same.columns) expect(entry.shift?.psi).toBeCloseTo(0, 12);
  });

  it('names a removed column and a new category (the other direction of the same changes)', () => {
    const reverse = diffTableProfiles(profileTable(after), profileTable(before));
    const of = (name: string) => reverse.columns.find((entry) => entry.name === name)!;
    expect(reverse.columns.filter((entry) => entry.change !== 'kept').map((entry) => [entry.name, entry.change])).toEqual([['year', 'removed']]);
    expect(of('year')).toMatchObject({ kind: { before: 'number', after: null }, nullShare: { before: 0, after: null } });
    expect(of('island').categories).toEqual({ added: ['Torgersen'], vanished: [], complete: true });
    expect(of('mass').numbers?.before).toMatchObject({ min: 4500, max: 6490 });
    expect(of('mass').numbers?.after).toMatchObject({ min: 3000, max: 4990 });
  });

  it('marks a column whose kind changed as retyped', () => {
    const retyped = diffTableProfiles(profileTable(table([numbers('code', [1, 2])])), profileTable(table([strings('code', ['a', 'b'])])));
    expect(retyped.columns[0]).toMatchObject({ name: 'code', change: 'retyped', kind: { before: 'number', after: 'string' } });
  });
});

describe('profile distributions', () => {
  it('puts a profile’s own values in its deciles in equal shares', () => {
    const profile = profileTable(
      table([
        numbers(
          'x',
          range(1001, (i) => i),
        ),
      ]),
    ).columns[0]!;
    if (profile.kind !== 'number') throw new Error('number profile expected');
    const shares = sharesInBins(profile.histogram.edges, profileCdf(profile));
    for (const share of shares) expect(share).toBeCloseTo(0.1, 6);
  });
});
