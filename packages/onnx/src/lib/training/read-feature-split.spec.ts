import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '@reproml/core';
import { readTable } from '@reproml/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeaturesManifest } from '../contracts/features-manifest';
import { readFeatureGroups, readFeatureLabels, readFeatureSplit, tableToSplit } from './read-feature-split';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'reproml-feature-split-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

const manifest = { featureNames: ['a', 'b'] } as unknown as FeaturesManifest;

describe('readFeatureSplit', () => {
  it('reads straight into the float32 matrix what the table path reads, across windows and when the size estimate falls short', async () => {
    // Short rows first, long rows later: the capacity estimated from the first window is too small.
    const lines = Array.from({ length: 40_000 }, (_, i) => (i < 20_000 ? `${i % 10},,${i % 3}` : `${(i / 7).toFixed(9)},${-i * 1e-3},${i % 3}`));
    const path = join(dir, 'train.features.csv');
    await writeFile(path, `a,b,label\n${lines.join('\n')}\n`);
    const split = await readFeatureSplit({ path, file: 'train.features.csv', manifest });
    const table = await readTable({ path, format: 'csv', columnKinds: { a: 'number', b: 'number', label: 'number' }, missingValues: ['', 'NaN', 'nan', 'NA'] });
    const expected = tableToSplit({ table, manifest, file: 'train.features.csv' });
    expect(split.rows).toBe(40_000);
    expect(split.features.length).toBe(80_000);
    expect(Array.from(split.features)).toEqual(Array.from(expected.features));
    expect(Array.from(split.labels)).toEqual(Array.from(expected.labels));
    // Evaluate's read: the same labels, no features kept.
    expect(Array.from(await readFeatureLabels({ path, file: 'train.features.csv', manifest }))).toEqual(Array.from(expected.labels));
  });

  it('names a header that is not the manifest, and a cell that is no number, with its line', async () => {
    const path = join(dir, 'bad.features.csv');
    await writeFile(path, 'b,a,label\n1,2,0\n');
    await expect(readFeatureSplit({ path, file: 'bad.features.csv', manifest })).rejects.toThrow(/the same columns in another order/);
    await writeFile(path, 'a,b,label\n1,2,0\n1,x,1\n');
    const error = await readFeatureSplit({ path, file: 'bad.features.csv', manifest }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe(`bad.features.csv: column 'b' is declared as a number but line 3 holds "x"`);
    // Reading only the labels still checks every feature cell.
    await expect(readFeatureLabels({ path, file: 'bad.features.csv', manifest })).rejects.toThrow(`column 'b' is declared as a number but line 3 holds "x"`);
  });

  it('reads into feature groups the values the row-major read holds: runs of 0/1 columns as bytes, a column with any other value (found late, or -0) as float32', async () => {
    const names = ['x', 'onehot1', 'onehot2', 'late', 'negzero', 'onehot3'];
    // 'late' is 0/1 for the first 30,000 rows (more than a window), then 0.5 once; 'negzero' holds a -0.
    const lines = Array.from({ length: 40_000 }, (_, i) =>
      [(i / 3).toFixed(5), i % 2, 1 - (i % 2), i === 30_000 ? '0.5' : i % 3 === 0 ? 1 : 0, i === 5 ? '-0' : 1, i % 5 === 0 ? 1 : 0, i % 3].join(','),
    );
    const path = join(dir, 'groups.features.csv');
    await writeFile(path, `${names.join(',')},label\n${lines.join('\n')}\n`);
    const wide = { featureNames: names } as unknown as FeaturesManifest;
    const rowMajor = await readFeatureSplit({ path, file: 'groups.features.csv', manifest: wide });
    const grouped = await readFeatureGroups({ path, file: 'groups.features.csv', manifest: wide });
    expect(grouped.rows).toBe(40_000);
    expect(grouped.groups.map(({ type, width, values }) => [type, width, values.constructor.name])).toEqual([
      ['float', 1, 'Float32Array'],
      ['uint8', 2, 'Uint8Array'],
      ['float', 2, 'Float32Array'],
      ['uint8', 1, 'Uint8Array'],
    ]);
    const flat = Array.from({ length: rowMajor.rows * names.length }, (_, index) => {
      const row = Math.floor(index / names.length);
      let column = index % names.length;
      for (const group of grouped.groups) {
        if (column < group.width) return group.values[row * group.width + column]!;
        column -= group.width;
      }
      return NaN;
    });
    expect(flat).toEqual(Array.from(rowMajor.features));
    expect(Object.is(grouped.groups[2]!.values[5 * 2 + 1], -0)).toBe(true);
    expect(Array.from(grouped.labels)).toEqual(Array.from(rowMajor.labels));
  });
});
