import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, stableStringify } from '@reproml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDatasetFile, inspectTable } from './inspect-dataset-file';
import { parseTable, readTable } from './read-table';
import type { TableSchema } from './table-schema';

const ROWS = 70_000; // more than one window of scanned rows (65,536)

/**
 * Columns that exercise every kind decision across the window boundary: numbers that turn to
 * text late (second pass), text after only missing cells (no second pass), only infinities
 * (text), a declared string column of digits, and values breaking the schema after row 65,536.
 */
function tricky(): string {
  const lines = Array.from({ length: ROWS }, (_, i) =>
    [
      i,
      i % 7 === 0 ? '' : (i % 13) * 0.5,
      i === ROWS - 2 ? 'late text' : i % 100,
      i < 66_000 ? '' : `s${i % 3}`,
      i % 5 === 0 ? 'inf' : '',
      `0${i % 4}`,
      i === 67_001 || i === 68_000 ? -5 : i % 50,
    ].join(','),
  );
  return `id,half,late,sparse,inf,zip,bounded\n${lines.join('\n')}\n`;
}

const schema: TableSchema = {
  columns: {
    half: { type: 'number', nullable: false },
    late: { type: 'number', nullable: true },
    sparse: { type: 'string', nullable: false, allowed: ['s0', 's1'] },
    zip: { type: 'string', nullable: false },
    bounded: { type: 'number', nullable: false, min: 0 },
    absent: { type: 'number', nullable: false },
  },
  extraColumns: 'warn',
};

describe('inspectDatasetFile on CSV (streamed)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspect-delimited-'));
    await writeFile(join(dir, 't.csv'), tricky());
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('profiles and validates a file exactly as the whole table would be, across windows, from disk and from bytes', async () => {
    const params = { format: 'csv' as const, source: 't.csv', spec: {}, schema, file: 't.csv' };
    const streamed = await inspectDatasetFile({ ...params, data: { path: join(dir, 't.csv') } });
    const fromBytes = await inspectDatasetFile({ ...params, data: { bytes: new TextEncoder().encode(tricky()) } });
    const table = await readTable({ path: join(dir, 't.csv'), format: 'csv', columnKinds: { sparse: 'string', zip: 'string' } });
    const whole = inspectTable(table, schema);
    expect(stableStringify(streamed.profile)).toBe(stableStringify(whole.profile));
    expect(stableStringify(fromBytes.profile)).toBe(stableStringify(whole.profile));
    expect(stableStringify(streamed.validation)).toBe(stableStringify({ source: 't.csv', checked: true, ...whole.validation }));

    const kinds = Object.fromEntries(streamed.profile.columns.map((column) => [column.name, column.kind]));
    expect(kinds).toEqual({ id: 'number', half: 'number', late: 'string', sparse: 'string', inf: 'string', zip: 'string', bounded: 'number' });
    expect(streamed.profile.rows).toBe(ROWS);
    const violations = Object.fromEntries((streamed.validation.violations ?? []).map((violation) => [`${violation.column}:${violation.rule}`, violation]));
    expect(Object.keys(violations).sort()).toEqual(
      ['absent:missing-column', 'half:nullable', 'late:type', 'sparse:allowed', 'sparse:nullable', 'bounded:min'].sort(),
    );
    expect(violations['late:type']).toMatchObject({ rows: 1, examples: ['late text'], exampleRows: [ROWS - 1] });
    expect(violations['bounded:min']).toMatchObject({ rows: 2, examples: [-5], exampleRows: [67_002, 68_001] });
    expect(violations['sparse:nullable']).toMatchObject({ rows: 66_000, exampleRows: [1, 2, 3, 4, 5] });
    const zip = streamed.profile.columns.find((column) => column.name === 'zip');
    expect(zip).toMatchObject({ kind: 'string', distinct: 4, capped: false });
  });

  it('refuses an infinity in a column of numbers, naming its line, as readTable does', async () => {
    const text = `a,b\n${Array.from({ length: ROWS }, (_, i) => `${i},${i === 66_000 ? '-inf' : i}`).join('\n')}\n`;
    const expected = await parseTable({ bytes: new TextEncoder().encode(text), format: 'csv', file: 'i.csv' }).catch((error: unknown) => error);
    const error = await inspectDatasetFile({
      data: { bytes: new TextEncoder().encode(text) },
      format: 'csv',
      source: 'i.csv',
      spec: {},
      schema: undefined,
      file: 'i.csv',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe((expected as DataError).message);
    expect((error as DataError).message).toMatch(/line 66002/);
  });
});
