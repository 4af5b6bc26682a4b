import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StreamTableBatchesParams, streamTableBatches, type TableBatch } from './stream-table-batches';
import { textCellString } from './text-column';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'reproml-stream-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function collect(content: string | Buffer, params: Omit<StreamTableBatchesParams, 'path' | 'file'>): Promise<TableBatch[]> {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}`);
  await writeFile(path, content);
  const tables: TableBatch[] = [];
  for await (const table of streamTableBatches({ ...params, path, file: 'rows' })) tables.push(table);
  return tables;
}

describe('streamTableBatches', () => {
  it('parses RFC 4180 CSV: quoted delimiters, escaped quotes, newlines in quotes, CRLF, no final newline', async () => {
    const csv = 'name,value,skip\r\n"a, b",1,x\r\n"say ""hi""",NA,y\r\n"two\nlines",3.5,z';
    const [table] = await collect(csv, { format: 'csv', columns: { name: 'string', value: 'number' }, batchSize: 10 });
    expect(table!.rowCount).toBe(3);
    expect(table!.columns[0]!.values).toEqual(['a, b', 'say "hi"', 'two\nlines']);
    expect(Array.from(table!.columns[1]!.values as Float64Array)).toEqual([1, NaN, 3.5]);
    expect(table!.columns.map((column) => column.name)).toEqual(['name', 'value']);
  });

  it('yields batches of at most batchSize rows, whatever the chunking', async () => {
    const lines = ['n', ...Array.from({ length: 25 }, (_, i) => String(i))];
    const tables = await collect(`${lines.join('\n')}\n`, { format: 'csv', columns: { n: 'number' }, batchSize: 10 });
    expect(tables.map((table) => table.rowCount)).toEqual([10, 10, 5]);
    expect(Array.from(tables[2]!.columns[0]!.values as Float64Array)).toEqual([20, 21, 22, 23, 24]);
  });

  it('reads JSONL and refuses a non-number in a number column, naming line and column', async () => {
    const [table] = await collect('{"a":1,"b":"x"}\n{"a":null,"b":null}\n', { format: 'jsonl', columns: { a: 'number', b: 'string' }, batchSize: 5 });
    expect(Array.from(table!.columns[0]!.values as Float64Array)).toEqual([1, NaN]);
    expect(table!.columns[1]!.values).toEqual(['x', null]);
    await expect(collect('a\n1\nabc\n', { format: 'csv', columns: { a: 'number' }, batchSize: 5 })).rejects.toThrow(
      `rows: column 'a' is declared as a number but line 3 holds "abc"`,
    );
  });

  it('keeps text columns undecoded: the UTF-8 of the strings the values path reads, missing marked, in CSV, TSV, JSONL and Parquet', async () => {
    const keys = ['a, b', 'say "hi"', 'ü', null, '5" pipe', '', 'tab\there'];
    const csv = `key,n\n${keys.map((key, i) => `${key === null ? 'NA' : key === '' ? '""' : /[",\t]/.test(key) && !key.startsWith('5') ? `"${key.replaceAll('"', '""')}"` : key},${i}`).join('\n')}\n`;
    const tsv = `key\tn\n${keys.map((key, i) => `${key === null ? 'NA' : key.includes('\t') ? `"${key}"` : key}\t${i}`).join('\n')}\n`;
    const jsonl = keys.map((key, i) => JSON.stringify({ key, n: i })).join('\n');
    const parquet = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'key', data: keys, type: 'STRING' },
          { name: 'n', data: keys.map((_, i) => i), type: 'DOUBLE' },
        ],
      }),
    );
    for (const [format, content] of [
      ['csv', csv],
      ['tsv', tsv],
      ['jsonl', jsonl],
      ['parquet', parquet],
    ] as const) {
      const batches = await collect(content, { format, columns: { n: 'number' }, texts: ['key'], batchSize: 3 });
      expect(
        batches.map((batch) => batch.rowCount),
        format,
      ).toEqual([3, 3, 1]);
      const read = batches.flatMap((batch) => Array.from({ length: batch.rowCount }, (_, row) => textCellString(batch.texts[0]!, row)));
      const values = (await collect(content, { format, columns: { key: 'string' }, batchSize: 3 })).flatMap(
        (batch) => batch.columns[0]!.values as (string | null)[],
      );
      expect(read, format).toEqual(values);
      // An empty cell of a delimited file is missing (a default missing spelling); JSONL and Parquet keep it.
      expect(read, format).toEqual(keys.map((key) => (key === '' && (format === 'csv' || format === 'tsv') ? null : key)));
      expect(
        batches.flatMap((batch) => batch.columns.map((column) => column.name)),
        format,
      ).toEqual(['n', 'n', 'n']);
      expect(
        batches.flatMap((batch) => Array.from(batch.texts[0]!.missing)),
        format,
      ).toEqual(read.map((key) => (key === null ? 1 : 0)));
    }
    await expect(collect(csv, { format: 'csv', columns: { key: 'string' }, texts: ['key'], batchSize: 3 })).rejects.toThrow(/asked for as values and as text/);
    await expect(collect(csv, { format: 'csv', columns: {}, texts: ['id'], batchSize: 3 })).rejects.toThrow(/has no column 'id'/);
  });

  it('names columns the file lacks', async () => {
    await expect(collect('a,b\n1,2\n', { format: 'csv', columns: { c: 'number' }, batchSize: 5 })).rejects.toThrow(/has no column 'c'/);
  });

  it('decodes UTF-8 strictly across chunk boundaries and names the line and column of an invalid byte', async () => {
    // 'ü' split across the 1 MiB chunk boundary is fine; a lone 0xff is not (it used to become U+FFFD silently).
    const padding = 'x'.repeat((1 << 20) - 'id,city\n1,'.length - 1);
    const [table] = await collect(`id,city\n1,${padding}ü\n`, { format: 'csv', columns: { city: 'string' }, batchSize: 5 });
    expect((table!.columns[0]!.values as string[])[0]!.endsWith('xü')).toBe(true);
    const invalid = Buffer.concat([Buffer.from('id,city\n1,Zürich\n2,Z'), Buffer.from([0xff]), Buffer.from('rich\n')]);
    await expect(collect(invalid, { format: 'csv', columns: { city: 'string' }, batchSize: 5 })).rejects.toThrow(
      "rows is not valid UTF-8 (first invalid byte at offset 21, line 3, column 'city')",
    );
  });

  it('refuses a cell over MAX_FIELD_LENGTH and ±Infinity in a number column', async () => {
    const huge = `v,note\n1,${'y'.repeat((1 << 20) + 1)}\n`;
    await expect(collect(huge, { format: 'csv', columns: { v: 'number' }, batchSize: 5 })).rejects.toThrow(
      "rows: line 2, column 'note' holds a value of 1,048,577 characters, over the limit of 1,048,576 (1 MiB)",
    );
    await expect(collect('v\n1\n-Infinity\n', { format: 'csv', columns: { v: 'number' }, batchSize: 5 })).rejects.toThrow(
      `rows: column 'v' holds an infinite number at line 3 ("-Infinity")`,
    );
    await expect(
      collect(`{"v":1,"note":"${'z'.repeat((1 << 20) + 1)}"}\n`, { format: 'jsonl', columns: { v: 'number', note: 'string' }, batchSize: 5 }),
    ).rejects.toThrow("rows: line 1, column 'note' holds a value of 1,048,577 characters");
    await expect(collect('{"v":1e999}\n', { format: 'jsonl', columns: { v: 'number' }, batchSize: 5 })).rejects.toThrow(/holds an infinite number at line 1/);
  });

  it('streams Parquet a row group at a time and yields batches of at most batchSize rows in file order', async () => {
    const rows = 2300;
    const parquet = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'x', data: Array.from({ length: rows }, (_, i) => i / 2), type: 'DOUBLE' },
          { name: 'tag', data: Array.from({ length: rows }, (_, i) => (i % 2 ? 'p' : null)), type: 'STRING' },
        ],
        rowGroupSize: 1000,
      }),
    );
    const tables = await collect(parquet, { format: 'parquet', columns: { x: 'number', tag: 'string' }, batchSize: 400 });
    expect(tables.map((table) => table.rowCount)).toEqual([400, 400, 200, 400, 400, 200, 300]);
    const xs = tables.flatMap((table) => [...(table.columns[0]!.values as Float64Array)]);
    expect(xs).toEqual(Array.from({ length: rows }, (_, i) => i / 2));
    expect(tables[6]!.columns[1]!.values.slice(-2)).toEqual([null, 'p']);
  });
});
