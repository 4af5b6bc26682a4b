import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { parquetColumnNames, readParquetBatches } from './read-parquet-batches';
import { readTable } from './read-table';

function writeParquet(rows: number, rowGroupSize: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'parquet-batches-')), 'batch.parquet');
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: Array.from({ length: rows }, (_, i) => i + 1), type: 'DOUBLE' },
      { name: 'island', data: Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 'Biscoe' : i % 3 === 1 ? 'Dream' : null)), type: 'STRING' },
      { name: 'unused', data: Array.from({ length: rows }, () => 'x'.repeat(50)), type: 'STRING' },
    ],
    rowGroupSize,
  });
  writeFileSync(path, new Uint8Array(buffer));
  return path;
}

describe('readParquetBatches', () => {
  it('streams one row group at a time, only the wanted columns, with the values readTable reads', async () => {
    const path = writeParquet(2500, 1000);
    const groups = [];
    for await (const group of readParquetBatches({ path, file: 'batch.parquet', columns: { id: 'number', island: 'string' } })) groups.push(group);
    expect(groups.map((group) => group.rowCount)).toEqual([1000, 1000, 500]);
    expect(groups[0]!.columns.map((column) => column.name)).toEqual(['id', 'island']);
    const whole = await readTable({ path, format: 'parquet', file: 'batch.parquet' });
    const streamedIds = groups.flatMap((group) => [...(group.columns[0]!.values as Float64Array)]);
    expect(streamedIds).toEqual([...(whole.columns[0]!.values as Float64Array)]);
    const streamedIslands = groups.flatMap((group) => group.columns[1]!.values as (string | null)[]);
    expect(streamedIslands).toEqual(whole.columns[1]!.values);
  });

  it('reads the column names from the footer alone', async () => {
    expect(await parquetColumnNames({ path: writeParquet(10, 5), file: 'b.parquet' })).toEqual(['id', 'island', 'unused']);
  });
});
