import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '@reproml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellString, DelimitedScanner, RowCells } from './delimited-scanner';
import { MAX_FIELD_LENGTH } from './max-field-length';
import { parseTable } from './read-table';
import { streamTableBatches } from './stream-table-batches';
import { textCellString } from './text-column';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'reproml-scanner-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

type Outcome = { rows: (string | null)[][] } | { error: string; field?: string };

/** The string cells of a CSV text as the whole-file reader sees them, or its error. */
async function wholeFile(text: string | Buffer): Promise<Outcome> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  try {
    const table = await parseTable({ bytes, format: 'csv', file: 'f.csv', missingValues: [], columnKinds: allStrings(bytes) });
    return { rows: Array.from({ length: table.rowCount }, (_, row) => table.columns.map((column) => column.values[row] as string | null)) };
  } catch (error) {
    return describeError(error);
  }
}

/** The same through the streaming batch reader (small batches, so several windows). */
async function streamed(text: string | Buffer): Promise<Outcome> {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(path, text);
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  try {
    const rows: (string | null)[][] = [];
    for await (const table of streamTableBatches({ path, file: 'f.csv', format: 'csv', columns: allStrings(bytes), batchSize: 2, missingValues: [] })) {
      for (let row = 0; row < table.rowCount; row++) rows.push(table.columns.map((column) => column.values[row] as string | null));
    }
    // The same columns as undecoded text (what predict copies a key through with) read the same.
    const texts: (string | null)[][] = [];
    const names = Object.keys(allStrings(bytes));
    for await (const table of streamTableBatches({ path, file: 'f.csv', format: 'csv', columns: {}, texts: names, batchSize: 2, missingValues: [] })) {
      for (let row = 0; row < table.rowCount; row++) texts.push(table.texts.map((column) => textCellString(column, row)));
    }
    expect(texts).toEqual(rows);
    return { rows };
  } catch (error) {
    return describeError(error);
  }
}

/** Every header column read as a string (the header is taken from a plain first line; tests that break it expect an error anyway). */
function allStrings(bytes: Buffer): Record<string, 'string'> {
  const firstLine = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)[0]!;
  return Object.fromEntries(firstLine.split(',').map((name) => [name.replace(/^"|"$/g, ''), 'string' as const]));
}

function describeError(error: unknown): Outcome {
  if (!(error instanceof DataError)) throw error;
  return { error: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
}

/** Both readers give the same outcome; returns it. */
async function both(text: string | Buffer): Promise<Outcome> {
  const whole = await wholeFile(text);
  expect(await streamed(text)).toEqual(whole);
  return whole;
}

describe('one CSV strictness: the whole-file reader and the streaming batch reader agree', () => {
  it('reads RFC 4180 quoting: delimiters, escaped quotes and line breaks inside quotes', async () => {
    expect(await both('a,b\n"x, y","say ""hi"""\n"two\nlines",z\n')).toEqual({
      rows: [
        ['x, y', 'say "hi"'],
        ['two\nlines', 'z'],
      ],
    });
  });

  it('keeps a quote inside an unquoted field as text (a bare quote), but refuses text after a closing quote', async () => {
    expect(await both('a,b\n5" pipe,x\n')).toEqual({ rows: [['5" pipe', 'x']] });
    expect(await both('a,b\n"closed"late,x\n')).toEqual({ error: 'f.csv: unexpected text after a closing quote on line 2' });
  });

  it('refuses an unterminated quote, naming the line it starts on', async () => {
    expect(await both('a,b\n1,2\n3,"open\nmore\n')).toEqual({ error: 'f.csv: unterminated quoted field starting on line 3' });
  });

  it('takes LF, CRLF and lone CR line ends, skips blank lines, and reads a last line without a line end', async () => {
    const rows = [
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ];
    expect(await both('a,b\r\n1,2\r\n\r\n3,4\r5,6')).toEqual({ rows });
    expect(await both('a,b\n1,2\n\n\n3,4\n5,6\n')).toEqual({ rows });
  });

  it('drops a UTF-8 byte-order mark before the header', async () => {
    expect(await both(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\nZürich\n')]))).toEqual({ rows: [['Zürich']] });
  });

  it('refuses ragged rows, too short or too long, naming the line', async () => {
    expect(await both('a,b\n1,2\n3\n')).toEqual({ error: 'f.csv: line 3 has 1 field(s), the header has 2' });
    expect(await both('a,b\n1,2,3\n')).toEqual({ error: 'f.csv: line 2 has 3 field(s), the header has 2' });
    expect(await both('a,b\n"x\ny",2\n1,2,\n')).toEqual({ error: 'f.csv: line 4 has 3 field(s), the header has 2' });
  });

  it('a trailing delimiter at the very end is one more empty field', async () => {
    expect(await both('a,b\n1,')).toEqual({ rows: [['1', '']] });
  });

  it('refuses a field over MAX_FIELD_LENGTH characters (counted in characters, not bytes), quoted or not', async () => {
    const limit = 'x'.repeat(MAX_FIELD_LENGTH);
    expect(((await both(`a,b\n1,${limit}\n`)) as { rows: string[][] }).rows[0]![1]!.length).toBe(MAX_FIELD_LENGTH);
    // 'ü' is two bytes and one character: a field of MAX_FIELD_LENGTH 'ü' is within the limit.
    expect(((await both(`a\n${'ü'.repeat(MAX_FIELD_LENGTH)}\n`)) as { rows: string[][] }).rows[0]![0]!.length).toBe(MAX_FIELD_LENGTH);
    const over = {
      error: "f.csv: line 2, column 'b' holds a value of 1,048,577 characters, over the limit of 1,048,576 (1 MiB)",
      field: 'b',
    };
    expect(await both(`a,b\n1,${limit}x\n`)).toEqual(over);
    expect(await both(`a,b\n1,"${limit}x"\n`)).toEqual(over);
  });

  it('stops a never-closed quote once it is longer than any cell may be, without reading the rest of the file', async () => {
    const text = `a,b\n1,"${'y'.repeat(5 * MAX_FIELD_LENGTH)}\n`;
    const outcome = await streamed(text);
    expect(outcome).toMatchObject({ field: 'b' });
    expect((outcome as { error: string }).error).toMatch(/^f\.csv: line 2, column 'b' holds a value of [\d,]+ characters, over the limit/);
  });

  it('refuses an empty header name and a duplicate one', async () => {
    expect(await both('a,,c\n1,2,3\n')).toMatchObject({ error: 'f.csv: column 2 has an empty name in the header' });
    expect(await both('a,b,a\n1,2,3\n')).toMatchObject({ error: "f.csv: column 'a' appears twice in the header (columns 1 and 3)" });
  });

  it('refuses invalid UTF-8 with the same offset, line and column', async () => {
    const bytes = Buffer.concat([Buffer.from('id,city\n1,"a\nb"\n2,Z'), Buffer.from([0xff]), Buffer.from('rich\n')]);
    const outcome = await both(bytes);
    expect(outcome).toMatchObject({ field: 'city' });
    expect((outcome as { error: string }).error).toMatch(/^f\.csv is not valid UTF-8 \(first invalid byte at offset 19, line 4, column 'city'\)$/);
  });
});

describe('DelimitedScanner', () => {
  /** Scans `text` fed in chunks of `size` bytes (as the streaming reader does, the window growing) and returns every row's cells. */
  function scanInChunks(text: string, size: number): string[][] {
    const all = Buffer.from(text);
    const scanner = new DelimitedScanner({ delimiter: ',', file: 'f.csv' });
    const out: string[][] = [];
    let rows: RowCells | undefined;
    let start = 0;
    for (let to = Math.min(size, all.length); ; to = Math.min(to + size, all.length)) {
      const final = to === all.length;
      for (;;) {
        start = scanner.scan(all, start, to, final, rows);
        if (rows === undefined && scanner.header !== undefined) {
          rows = new RowCells(scanner.header.length, 3, false);
          continue;
        }
        if (rows === undefined) break;
        for (let row = 0; row < rows.rowCount; row++) {
          out.push(
            Array.from({ length: rows.columnCount }, (_, c) =>
              cellString(all, rows!.starts[row * rows!.columnCount + c]!, rows!.ends[row * rows!.columnCount + c]!),
            ),
          );
        }
        const wasFull = rows.full;
        rows.rowCount = 0;
        if (!wasFull) break;
      }
      if (final) return out;
    }
  }

  it('gives the same cells however the bytes are cut into chunks (random tables, every quoting case)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = ['a', 'b', ',', '"', '\n', '\r\n', ' ', 'ü', '1.5', ''];
    for (let trial = 0; trial < 40; trial++) {
      const columns = 1 + Math.floor(random() * 4);
      const rows = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        Array.from({ length: columns }, () => Array.from({ length: Math.floor(random() * 5) }, () => pieces[Math.floor(random() * pieces.length)]).join('')),
      );
      const quote = (cell: string) => (/[",\r\n]/.test(cell) || cell === '' ? `"${cell.replaceAll('"', '""')}"` : cell);
      const header = Array.from({ length: columns }, (_, i) => `c${i}`);
      const text = `${[header, ...rows].map((row) => row.map(quote).join(',')).join(trial % 2 ? '\r\n' : '\n')}\n`;
      for (const size of [1, 2, 3, 7, 64, text.length]) expect(scanInChunks(text, size), `trial ${trial}, chunks of ${size}`).toEqual(rows);
    }
  });
});
