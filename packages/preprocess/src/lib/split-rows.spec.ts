import { type Column, DataError } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { allocate, splitRows } from './split-rows';

const identity = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);
const fractions = { train: 0.7, validation: 0.15, test: 0.15 };

function classColumn(counts: Record<string, number>): Column {
  const values: string[] = [];
  // Interleaved, so a split that ignored the classes would not keep the proportions by luck.
  const remaining = { ...counts };
  while (Object.values(remaining).some((n) => n > 0)) {
    for (const name of Object.keys(remaining))
      if (remaining[name]! > 0) {
        values.push(name);
        remaining[name]!--;
      }
  }
  return { name: 'y', kind: 'string', values };
}

describe('splitRows', () => {
  it('gives the same rows for the same seed, other rows for another seed, each split in file order', () => {
    const one = splitRows({ rowCount: 1000, fractions, seed: 3, rowNumbers: identity(1000), location: {} });
    const two = splitRows({ rowCount: 1000, fractions, seed: 3, rowNumbers: identity(1000), location: {} });
    const other = splitRows({ rowCount: 1000, fractions, seed: 4, rowNumbers: identity(1000), location: {} });
    expect(one).toEqual(two);
    expect(other.test).not.toEqual(one.test);
    expect([one.train.length, one.validation.length, one.test.length]).toEqual([700, 150, 150]);
    for (const rows of Object.values(one)) expect(Array.from(rows)).toEqual(Array.from(rows).sort((a, b) => a - b));
    const all = new Set([...one.train, ...one.validation, ...one.test]);
    expect(all.size).toBe(1000);
  });

  it('keeps every class in proportion in every split when stratified', () => {
    const y = classColumn({ a: 600, b: 300, c: 100 });
    const splits = splitRows({ rowCount: 1000, fractions, seed: 1, stratify: y, rowNumbers: identity(1000), location: {} });
    const countOf = (rows: Uint32Array, name: string) => Array.from(rows).filter((row) => y.values[row] === name).length;
    expect([countOf(splits.train, 'a'), countOf(splits.validation, 'a'), countOf(splits.test, 'a')]).toEqual([420, 90, 90]);
    expect([countOf(splits.train, 'c'), countOf(splits.validation, 'c'), countOf(splits.test, 'c')]).toEqual([70, 15, 15]);
  });

  it('allocates counts by largest remainder so they add up exactly', () => {
    expect(allocate(10, fractions)).toEqual({ train: 7, validation: 2, test: 1 });
    expect(allocate(3, { train: 1, validation: 0, test: 0 })).toEqual({ train: 3, validation: 0, test: 0 });
    const counts = allocate(7, { train: 0.8, validation: 0, test: 0.2 });
    expect(counts.train + counts.test).toBe(7);
    expect(counts.validation).toBe(0);
  });

  it('fails, naming the class and the split, when stratification would leave a class empty', () => {
    const y = classColumn({ a: 50, b: 50, rare: 2 });
    const attempt = () => splitRows({ rowCount: 102, fractions, seed: 1, stratify: y, rowNumbers: identity(102), location: { stage: 's' } });
    expect(attempt).toThrow(DataError);
    expect(attempt).toThrow(/leaves class 'rare' empty in the (validation|test) split: the class has only 2 row\(s\)/);
  });

  it('fails when the stratification column has missing values, naming the rows', () => {
    const y: Column = { name: 'y', kind: 'string', values: ['a', null, 'b', 'a', null] };
    expect(() => splitRows({ rowCount: 5, fractions, seed: 1, stratify: y, rowNumbers: Uint32Array.from([0, 4, 5, 6, 9]), location: {} })).toThrow(
      /missing in rows 5, 10/,
    );
  });
});
