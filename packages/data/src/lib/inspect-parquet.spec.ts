import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stableStringify } from '@reproml/core';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { inspectDatasetFile, inspectTable } from './inspect-dataset-file';
import { parseTable } from './read-table';
import type { TableSchema } from './table-schema';

describe('inspectDatasetFile on Parquet (a row group at a time)', () => {
  it('profiles and validates row group by row group exactly as the whole table would be', async () => {
    const rows = 40_000; // more values than the sketch keeps exactly, over four row groups
    const ids = Array.from({ length: rows }, (_, i) => i);
    const bytes = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          // Missing in the whole first row group, text after: a string column all the same.
          { name: 'late', data: ids.map((i) => (i < 12_000 ? null : `c${i % 3}`)), type: 'STRING' },
          { name: 'x', data: ids.map((i) => (i % 50 === 0 ? null : (i % 977) / 4)), type: 'DOUBLE' },
          { name: 'code', data: ids.map((i) => i % 40), type: 'INT32' },
          { name: 'flag', data: ids.map((i) => i % 2 === 0), type: 'BOOLEAN' },
        ],
        rowGroupSize: 10_000,
      }),
    );
    const schema: TableSchema = {
      columns: {
        late: { type: 'string', nullable: false, allowed: ['c0', 'c1'] },
        x: { type: 'number', nullable: true, max: 200 },
        code: { type: 'string', nullable: false },
      },
      extraColumns: 'allow',
    };
    const dir = await mkdtemp(join(tmpdir(), 'inspect-parquet-'));
    try {
      await writeFile(join(dir, 't.parquet'), bytes);
      const params = { format: 'parquet' as const, source: 't.parquet', spec: {}, schema, file: 't.parquet' };
      const streamed = await inspectDatasetFile({ ...params, data: { path: join(dir, 't.parquet') } });
      const fromBytes = await inspectDatasetFile({ ...params, data: { bytes } });
      const whole = inspectTable(await parseTable({ bytes, format: 'parquet', file: 't.parquet', columnKinds: { late: 'string', code: 'string' } }), schema);
      expect(stableStringify(streamed.profile)).toBe(stableStringify(whole.profile));
      expect(stableStringify(fromBytes.profile)).toBe(stableStringify(whole.profile));
      expect(stableStringify(streamed.validation)).toBe(stableStringify({ source: 't.parquet', checked: true, ...whole.validation }));

      expect(streamed.profile.columns.map((column) => `${column.name}:${column.kind}`)).toEqual(['late:string', 'x:number', 'code:string', 'flag:string']);
      const x = streamed.profile.columns[1]!;
      expect(x).toMatchObject({ count: 39_200, nulls: 800, exact: false });
      const violations = Object.fromEntries((streamed.validation.violations ?? []).map((violation) => [`${violation.column}:${violation.rule}`, violation]));
      expect(Object.keys(violations).sort()).toEqual(['late:allowed', 'late:nullable', 'x:max']);
      expect(violations['late:nullable']).toMatchObject({ rows: 12_000, exampleRows: [1, 2, 3, 4, 5] });
      expect(violations['late:allowed']).toMatchObject({ examples: ['c2'], exampleRows: [12_003, 12_006, 12_009, 12_012, 12_015] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
