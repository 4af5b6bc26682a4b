import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, stableStringify } from '@reproml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDatasetFile, inspectTable } from './inspect-dataset-file';
import { parseTable } from './read-table';
import type { TableSchema } from './table-schema';

const ROWS = 40_000; // more than two windows of records (16,384)

/**
 * Records that exercise every column decision across windows: a key that first appears late,
 * numbers that turn to text late (second pass), text after only missing values (no second
 * pass), booleans (text), a declared string column of numbers, and blank lines.
 */
function tricky(): string {
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const record: Record<string, unknown> = { id: i, x: i % 9 === 0 ? null : (i % 101) / 8 };
    if (i >= 20_000) record['late'] = `k${i % 4}`;
    record['mixed'] = i === ROWS - 3 ? 'n/a' : i % 50;
    if (i >= 17_000) record['sparse'] = i % 2 === 0 ? 'even' : null;
    record['flag'] = i % 3 === 0;
    record['zip'] = i % 7;
    lines.push(JSON.stringify(record));
    if (i % 10_000 === 0) lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

const schema: TableSchema = {
  columns: {
    x: { type: 'number', nullable: true, max: 12 },
    late: { type: 'string', nullable: false },
    mixed: { type: 'number', nullable: false },
    zip: { type: 'string', nullable: false, allowed: ['0', '1', '2', '3', '4', '5'] },
  },
  extraColumns: 'allow',
};

describe('inspectDatasetFile on JSONL (a window of records at a time)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspect-jsonl-'));
    await writeFile(join(dir, 't.jsonl'), tricky());
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('profiles and validates a file exactly as the whole table would be, from disk and from bytes', async () => {
    const params = { format: 'jsonl' as const, source: 't.jsonl', spec: {}, schema, file: 't.jsonl' };
    const bytes = new TextEncoder().encode(tricky());
    const streamed = await inspectDatasetFile({ ...params, data: { path: join(dir, 't.jsonl') } });
    const fromBytes = await inspectDatasetFile({ ...params, data: { bytes } });
    const whole = inspectTable(await parseTable({ bytes, format: 'jsonl', file: 't.jsonl', columnKinds: { late: 'string', zip: 'string' } }), schema);
    expect(stableStringify(streamed.profile)).toBe(stableStringify(whole.profile));
    expect(stableStringify(fromBytes.profile)).toBe(stableStringify(whole.profile));
    expect(stableStringify(streamed.validation)).toBe(stableStringify({ source: 't.jsonl', checked: true, ...whole.validation }));

    expect(streamed.profile.rows).toBe(ROWS);
    expect(streamed.profile.columns.map((column) => `${column.name}:${column.kind}`)).toEqual([
      'id:number',
      'x:number',
      'mixed:string',
      'flag:string',
      'zip:string',
      'sparse:string',
      'late:string',
    ]);
    const violations = Object.fromEntries((streamed.validation.violations ?? []).map((violation) => [`${violation.column}:${violation.rule}`, violation]));
    expect(Object.keys(violations).sort()).toEqual(['late:nullable', 'mixed:type', 'x:max', 'zip:allowed']);
    expect(violations['late:nullable']).toMatchObject({ rows: 20_000, exampleRows: [1, 2, 3, 4, 5] });
    expect(violations['mixed:type']).toMatchObject({ rows: 1, examples: ['n/a'], exampleRows: [ROWS - 2] });
    expect(violations['zip:allowed']).toMatchObject({ examples: ['6'], exampleRows: [7, 14, 21, 28, 35] });
  });

  it('names the line of a record that is not an object, as readTable does', async () => {
    const text = `${Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ a: i })).join('\n')}\n[1, 2]\n`;
    const bytes = new TextEncoder().encode(text);
    const expected = await parseTable({ bytes, format: 'jsonl', file: 'b.jsonl' }).catch((error: unknown) => error);
    const error = await inspectDatasetFile({ data: { bytes }, format: 'jsonl', source: 'b.jsonl', spec: {}, schema: undefined, file: 'b.jsonl' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe((expected as DataError).message);
    expect((error as DataError).message).toBe('b.jsonl: line 20001 is not an object');
  });
});
