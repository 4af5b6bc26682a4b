import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureBlock } from './apply-transform';
import { csvField, csvLine, formatNumber } from './csv-text';
import { writeFeaturesCsv, writeRawCsv } from './write-split-csv';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'reproml-split-csv-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Numbers whose texts take every form ToString has: exponents both ways, -0, the extremes, 17 digits, missing. */
const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  1 / 3,
  -2 / 3,
  1e-7,
  1.5e-7,
  1e21,
  1.5e21,
  123456789012345680000,
  5e-324,
  Number.MAX_VALUE,
  -Number.MIN_VALUE,
  1e-6,
  NaN,
  42.5,
];

function edgeValue(row: number, column: number): number {
  if (row < EDGE_NUMBERS.length) return EDGE_NUMBERS[(row + column) % EDGE_NUMBERS.length]!;
  return row % 17 === 0 ? NaN : Math.sin(row * 7 + column) * 10 ** ((row % 11) - 5);
}

describe('writeFeaturesCsv / writeRawCsv', () => {
  // More rows than a batch, so batch boundaries and the last short batch are crossed.
  const rowCount = 5000;
  const rows = Uint32Array.from({ length: 4500 }, (_, i) => (i * 7) % rowCount).sort();

  it('write what formatNumber writes for every number, NaN as an empty cell, one-hot groups from codes', async () => {
    const dense = [0, 1, 2].map((column) => Float64Array.from({ length: rowCount }, (_, row) => edgeValue(row, column)));
    const codes = Int8Array.from({ length: rowCount }, (_, row) => (row % 5) - 1);
    const labels = Float64Array.from({ length: rowCount }, (_, row) => row % 3);
    const blocks: FeatureBlock[] = [
      { kind: 'dense', names: ['a'], value: (row) => dense[0]![row]! },
      { kind: 'onehot', names: ['c=x', 'c=y', 'c=z', 'c=w'], codes },
      { kind: 'dense', names: ['b'], value: (row) => dense[1]![row]! },
      { kind: 'dense', names: ['d'], value: (row) => dense[2]![row]! },
    ];
    const path = join(dir, 'train.features.csv');
    await writeFeaturesCsv({ path, blocks, labels, rows });
    const oneHot = (code: number) => [0, 1, 2, 3].map((i) => (i === code ? '1' : '0')).join(',');
    const expected =
      csvLine(['a', 'c=x', 'c=y', 'c=z', 'c=w', 'b', 'd', 'label']) +
      Array.from(rows, (row) =>
        [formatNumber(dense[0]![row]!), oneHot(codes[row]!), formatNumber(dense[1]![row]!), formatNumber(dense[2]![row]!), formatNumber(labels[row]!)].join(
          ',',
        ),
      )
        .map((line) => `${line}\n`)
        .join('');
    expect(await readFile(path, 'latin1')).toBe(expected);
  });

  it('writes raw numbers and texts (quoted when needed, null empty) as the per-cell formatters do', async () => {
    const numbers = Float64Array.from({ length: rowCount }, (_, row) => edgeValue(row, 3));
    const texts = Array.from({ length: rowCount }, (_, row) => [null, 'plain', 'a,b', 'say "hi"', ' edge', 'naïve ✓', 'line\nbreak'][row % 7]!);
    const path = join(dir, 'train.raw.csv');
    await writeRawCsv({
      path,
      columns: [
        { name: 'x', kind: 'number', values: numbers },
        { name: 'label', kind: 'string', values: texts },
      ],
      rows,
    });
    const expected = csvLine(['x', 'label']) + Array.from(rows, (row) => `${formatNumber(numbers[row]!)},${csvField(texts[row] ?? null)}\n`).join('');
    expect(await readFile(path, 'utf8')).toBe(expected);
  });
});
