import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Column, DataError, type Table } from '@reproml/core';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { MAX_FIELD_LENGTH } from './max-field-length';
import { parseTable, readTable, readTableBytes } from './read-table';

const csv = (text: string) => new TextEncoder().encode(text);

function plain(table: Table): Record<string, { kind: string; values: unknown[] }> {
  return Object.fromEntries(
    table.columns.map((column: Column) => [column.name, { kind: column.kind, values: Array.from(column.values as ArrayLike<unknown>) }]),
  );
}

describe('readTable: CSV and TSV', () => {
  it('names the file that is over the 2 GiB a whole-file table can be read in (Node alone says only "File size … is greater than 2 GiB"; CSV/TSV are streamed)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'read-table-large-'));
    const path = join(dir, 'huge.json');
    await writeFile(path, '');
    await truncate(path, 2 ** 31); // sparse: no 2 GiB written (CSV is streamed, JSON is read whole)
    try {
      const error = await readTable({ path, format: 'json', file: 'pipelines/p/raw/huge.json' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DataError);
      expect(error).toMatchObject({
        file: 'pipelines/p/raw/huge.json',
        message: 'pipelines/p/raw/huge.json is larger than 2 GiB, more than a table can be read into memory at once',
      });
      await expect(readTableBytes(path, 'train (hf://datasets/acme/big/train.csv)')).rejects.toThrow(
        /^train \(hf:\/\/datasets\/acme\/big\/train\.csv\) is larger than 2 GiB/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps header order and row order, infers number and string columns, marks empty cells missing', async () => {
    const table = await parseTable({ bytes: csv('b,a,name\n1,2.5,x\n,-3e2,\n4,.5,"z"\n'), format: 'csv', file: 't.csv' });
    expect(table.rowCount).toBe(3);
    expect(table.columns.map((c) => c.name)).toEqual(['b', 'a', 'name']);
    expect(plain(table)).toEqual({
      b: { kind: 'number', values: [1, NaN, 4] },
      a: { kind: 'number', values: [2.5, -300, 0.5] },
      name: { kind: 'string', values: ['x', null, 'z'] },
    });
  });

  it('handles quoted delimiters, escaped quotes, line breaks inside quotes and CRLF line ends', async () => {
    const text = 'id,text\r\n1,"a, b"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n4,plain\r\n';
    const table = await parseTable({ bytes: csv(text), format: 'csv', file: 't.csv' });
    expect(plain(table).text!.values).toEqual(['a, b', 'say "hi"', 'two\r\nlines', 'plain']);
    expect(plain(table).id!.values).toEqual([1, 2, 3, 4]);
  });

  it('reads a last line without a newline, skips blank lines, and a trailing delimiter means an empty last cell', async () => {
    const table = await parseTable({ bytes: csv('a,b\n\n1,\n2,3'), format: 'csv', file: 't.csv' });
    expect(plain(table)).toEqual({ a: { kind: 'number', values: [1, 2] }, b: { kind: 'number', values: [NaN, 3] } });
  });

  it('treats the usual missing spellings (NA, NaN, null, …) as missing, and the list is configurable', async () => {
    const bytes = csv('x,s\nNA,NA\n1.5,.\nNaN,null\n');
    const table = await parseTable({ bytes, format: 'csv', file: 't.csv' });
    expect(plain(table)).toEqual({ x: { kind: 'number', values: [NaN, 1.5, NaN] }, s: { kind: 'string', values: [null, '.', null] } });
    const strict = await parseTable({ bytes, format: 'csv', file: 't.csv', missingValues: [''] });
    expect(plain(strict).s!.values).toEqual(['NA', '.', 'null']);
    expect(strict.columns[0]!.kind).toBe('string');
  });

  it('parses numbers exactly as JavaScript does, including long mantissas and exponents', async () => {
    const texts = ['0.1', '39.1', '-0.000123', '1e-7', '12345678901234567890', '0.30000000000000004', '+7', '1.', ' 2 '];
    const table = await parseTable({ bytes: csv(`v\n${texts.join('\n')}\n`), format: 'csv', file: 't.csv' });
    expect(Array.from(table.columns[0]!.values as Float64Array)).toEqual(texts.map((t) => Number(t)));
  });

  it('does not mistake hex, Infinity or underscores for numbers', async () => {
    for (const value of ['0x10', 'Infinity', '1_000', '1e', '--1']) {
      const table = await parseTable({ bytes: csv(`v\n${value}\n`), format: 'csv', file: 't.csv' });
      expect(table.columns[0]!.kind, value).toBe('string');
    }
  });

  it('forces column kinds on request: text keeps leading zeros, numbers must parse', async () => {
    const bytes = csv('zip,n\n00501,1\n02134,x\n');
    const table = await parseTable({ bytes, format: 'csv', file: 't.csv', columnKinds: { zip: 'string', n: 'string' } });
    expect(plain(table).zip!.values).toEqual(['00501', '02134']);
    await expect(parseTable({ bytes, format: 'csv', file: 'data/t.csv', columnKinds: { n: 'number' } })).rejects.toThrow(
      /data\/t\.csv: column 'n' is declared as a number but line 3 holds "x"/,
    );
  });

  it('reads TSV with the same rules', async () => {
    const table = await parseTable({ bytes: csv('a\tb\n1\tx y\n2\t"q\tr"\n'), format: 'tsv', file: 't.tsv' });
    expect(plain(table)).toEqual({ a: { kind: 'number', values: [1, 2] }, b: { kind: 'string', values: ['x y', 'q\tr'] } });
  });

  it('names the file and line of a ragged row, an unterminated quote, and a duplicate column', async () => {
    await expect(parseTable({ bytes: csv('a,b\n1,2\n3\n'), format: 'csv', file: 'raw/t.csv' })).rejects.toThrow(
      /raw\/t\.csv: line 3 has 1 field\(s\), the header has 2/,
    );
    await expect(parseTable({ bytes: csv('a\n"open\n'), format: 'csv', file: 't.csv' })).rejects.toThrow(/unterminated quoted field starting on line 2/);
    await expect(parseTable({ bytes: csv('a,a\n1,2\n'), format: 'csv', file: 't.csv' })).rejects.toThrow(/column 'a' appears twice/);
    await expect(parseTable({ bytes: csv(''), format: 'csv', file: 't.csv' })).rejects.toThrow(/is empty/);
  });

  it('drops a UTF-8 byte-order mark, reads non-ASCII text, and rejects invalid UTF-8 naming the file and offset', async () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...csv('name\nZürich\n')]);
    const table = await parseTable({ bytes: withBom, format: 'csv', file: 't.csv' });
    expect(table.columns[0]!.name).toBe('name');
    expect(plain(table).name!.values).toEqual(['Zürich']);
    const invalid = new Uint8Array([...csv('name\nZ'), 0xfc, ...csv('rich\n')]);
    const error = await parseTable({ bytes: invalid, format: 'csv', file: 'raw/cities.csv' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe("raw/cities.csv is not valid UTF-8 (first invalid byte at offset 6, line 2, column 'name')");
    expect((error as DataError).field).toBe('name');
    const latin1 = await parseTable({ bytes: invalid, format: 'csv', file: 't.csv', encoding: 'latin1' });
    expect(plain(latin1).name!.values).toEqual(['Zürich']);
  });

  it('reads a column that turns to text after a window of numbers again as text, keeping every cell as written', async () => {
    const rows = 70_000; // more than one window of scanned rows
    const lines = Array.from({ length: rows }, (_, i) => `${i},${i % 7 === 0 ? '' : '1.50'},${i === rows - 1 ? 'x' : i}`);
    const text = `id,v,late\n${lines.join('\n')}\n`;
    const dir = await mkdtemp(join(tmpdir(), 'read-table-windows-'));
    try {
      await writeFile(join(dir, 'w.csv'), text);
      const fromDisk = await readTable({ path: join(dir, 'w.csv'), format: 'csv' });
      const inMemory = await parseTable({ bytes: csv(text), format: 'csv', file: 'w.csv' });
      for (const table of [fromDisk, inMemory]) {
        expect(table.rowCount).toBe(rows);
        expect(table.columns.map((column) => column.kind)).toEqual(['number', 'number', 'string']);
        expect((table.columns[1]!.values as Float64Array)[1]).toBe(1.5);
        const late = table.columns[2]!.values as (string | null)[];
        expect([late[0], late[65_536], late[rows - 1]]).toEqual(['0', '65536', 'x']);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads from a path and names the missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'read-table-'));
    await writeFile(join(dir, 'a.csv'), 'x\n1\n');
    expect((await readTable({ path: join(dir, 'a.csv'), format: 'csv' })).rowCount).toBe(1);
    await expect(readTable({ path: join(dir, 'nope.csv'), format: 'csv', file: 'data/nope.csv' })).rejects.toThrow(/Cannot read data\/nope\.csv/);
  });
});

describe('readTable: JSON and JSONL', () => {
  it('reads an array of records; columns in first-appearance order; absent keys and null are missing', async () => {
    const text = JSON.stringify([
      { b: 1, a: 'x' },
      { a: null, c: 2.5 },
      { b: 3, a: 'y', c: true },
    ]);
    const table = await parseTable({ bytes: csv(text), format: 'json', file: 't.json' });
    expect(plain(table)).toEqual({
      b: { kind: 'number', values: [1, NaN, 3] },
      a: { kind: 'string', values: ['x', null, 'y'] },
      c: { kind: 'string', values: [null, '2.5', 'true'] },
    });
  });

  it('reads JSONL line by line (CRLF, blank lines) and names the bad line', async () => {
    const table = await parseTable({ bytes: csv('{"a":1}\r\n\r\n{"a":2,"s":"q"}\n'), format: 'jsonl', file: 't.jsonl' });
    expect(plain(table)).toEqual({ a: { kind: 'number', values: [1, 2] }, s: { kind: 'string', values: [null, 'q'] } });
    await expect(parseTable({ bytes: csv('{"a":1}\n{"a":\n'), format: 'jsonl', file: 'x.jsonl' })).rejects.toThrow(/x\.jsonl: line 2 is not valid JSON/);
  });

  it('refuses non-tabular JSON with a clear message', async () => {
    await expect(parseTable({ bytes: csv('{"a":[1]}'), format: 'json', file: 't.json' })).rejects.toThrow(/should hold a JSON array of records/);
    await expect(parseTable({ bytes: csv('[{"a":[1,2]}]'), format: 'json', file: 't.json' })).rejects.toThrow(/column 'a' holds a nested value at row 1/);
    await expect(parseTable({ bytes: csv('[{"a":1},'), format: 'json', file: 't.json' })).rejects.toThrow(/t\.json is not valid JSON/);
  });

  it('forces kinds: numeric strings to numbers, numbers to strings', async () => {
    const text = JSON.stringify([
      { n: '1.5', s: 7 },
      { n: null, s: 8 },
    ]);
    const table = await parseTable({ bytes: csv(text), format: 'json', file: 't.json', columnKinds: { n: 'number', s: 'string' } });
    expect(plain(table)).toEqual({ n: { kind: 'number', values: [1.5, NaN] }, s: { kind: 'string', values: ['7', '8'] } });
  });
});

describe('readTable: Parquet', () => {
  it('reads numbers, strings and nulls across several row groups in schema and row order', async () => {
    const rows = 2500;
    const ids = Array.from({ length: rows }, (_, i) => i);
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'label', data: ids.map((i) => (i % 7 === 0 ? null : `c${i % 3}`)), type: 'STRING' },
        { name: 'x', data: ids.map((i) => (i % 5 === 0 ? null : i / 4)), type: 'DOUBLE' },
        { name: 'id', data: ids.map((i) => BigInt(i)), type: 'INT64' },
        { name: 'flag', data: ids.map((i) => i % 2 === 0), type: 'BOOLEAN' },
      ],
      rowGroupSize: 1000,
    });
    const table = await parseTable({ bytes: new Uint8Array(buffer), format: 'parquet', file: 't.parquet' });
    expect(table.rowCount).toBe(rows);
    expect(table.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['label:string', 'x:number', 'id:number', 'flag:string']);
    const [label, x, id, flag] = table.columns;
    expect(label!.values.slice(0, 3)).toEqual([null, 'c1', 'c2']);
    expect(Array.from(x!.values as Float64Array).slice(2495)).toEqual([NaN, 624, 624.25, 624.5, 624.75]);
    expect(Array.from(id!.values as Float64Array)).toEqual(ids);
    expect(flag!.values[2499]).toBe('false');
  });

  it('names the file when the bytes are not Parquet or are cut short', async () => {
    const buffer = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'a', data: [1, 2, 3], type: 'DOUBLE' }] }));
    await expect(parseTable({ bytes: csv('a,b\n'), format: 'parquet', file: 'x.parquet' })).rejects.toThrow(/x\.parquet is not a readable Parquet file/);
    await expect(parseTable({ bytes: buffer.slice(0, buffer.length - 9), format: 'parquet', file: 'x.parquet' })).rejects.toThrow(/x\.parquet/);
  });
});

/** What every stage's reader reports on malformed files: the file, the column (DataError.field) and where. */
describe('readTable: malformed input names the file and the column', () => {
  const fail = async (params: Parameters<typeof parseTable>[0]) => {
    const error = await parseTable(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  };

  it('rejects a cell over 1 MiB (CSV, JSON, Parquet) instead of carrying it through every stage', async () => {
    const huge = 'x'.repeat(MAX_FIELD_LENGTH + 1);
    const fromCsv = await fail({ bytes: csv(`id,note\n1,ok\n2,${huge}\n`), format: 'csv', file: 'notes.csv' });
    expect(fromCsv.message).toMatch(/^notes\.csv: line 3, column 'note' holds a value of 1,048,577 characters, over the limit of 1,048,576 \(1 MiB\)$/);
    expect(fromCsv.field).toBe('note');
    const quoted = await fail({ bytes: csv(`id,note\n1,"${huge}"\n`), format: 'csv', file: 'notes.csv' });
    expect(quoted.field).toBe('note');
    const fromJson = await fail({ bytes: csv(JSON.stringify([{ id: 1, note: huge }])), format: 'json', file: 'notes.json' });
    expect(fromJson.message).toMatch(/notes\.json: row 1, column 'note' holds a value of 1,048,577 characters/);
    const exactly = await parseTable({ bytes: csv(`note\n${huge.slice(1)}\n`), format: 'csv', file: 'notes.csv' });
    expect(exactly.rowCount).toBe(1);
  });

  it('rejects ±Infinity and overflowing decimals in a number column, but keeps a column of words a string column', async () => {
    for (const value of ['inf', '-Infinity', 'INF', '1e999', '9'.repeat(400)]) {
      const error = await fail({ bytes: csv(`v\n1\n${value}\n`), format: 'csv', file: 'm.csv' });
      expect(error.message, value).toMatch(/^m\.csv: column 'v' holds an infinite number at line 3/);
      expect(error.field).toBe('v');
    }
    expect((await parseTable({ bytes: csv('v\nInfinity\n'), format: 'csv', file: 'm.csv' })).columns[0]!.kind).toBe('string');
    expect((await parseTable({ bytes: csv('v\n1\ninf\nabc\n'), format: 'csv', file: 'm.csv' })).columns[0]!.kind).toBe('string');
    const forced = await fail({ bytes: csv('v\ninf\n'), format: 'csv', file: 'm.csv', columnKinds: { v: 'number' } });
    expect(forced.message).toMatch(/column 'v' holds an infinite number at line 2/);
    const json = await fail({ bytes: csv('[{"v": 1}, {"v": 1e999}]'), format: 'json', file: 'm.json' });
    expect(json.message).toMatch(/m\.json: column 'v' holds an infinite number at row 2/);
    // NaN stays what it always was: a missing value.
    const parquet = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'v', data: [1, NaN], type: 'DOUBLE' }] }));
    expect(Array.from((await parseTable({ bytes: parquet, format: 'parquet', file: 'm.parquet' })).columns[0]!.values as Float64Array)).toEqual([1, NaN]);
  });

  it("names the duplicated column, and the column of an invalid UTF-8 byte (the header's own by position)", async () => {
    const duplicate = await fail({ bytes: csv('a,b,a\n1,2,3\n'), format: 'csv', file: 'd.csv' });
    expect(duplicate.message).toBe("d.csv: column 'a' appears twice in the header (columns 1 and 3)");
    expect(duplicate.field).toBe('a');
    const inRow = await fail({ bytes: new Uint8Array([...csv('id,"x,y",city\n1,"a,b",Z'), 0xfc, ...csv('rich\n')]), format: 'csv', file: 'c.csv' });
    expect(inRow.message).toMatch(/line 2, column 'city'\)$/);
    const inHeader = await fail({ bytes: new Uint8Array([...csv('id,'), 0xfc, ...csv('\n1,2\n')]), format: 'tsv', file: 'c.tsv' });
    expect(inHeader.message).toMatch(/line 1, column 'column 1'\)$/);
  });
});
