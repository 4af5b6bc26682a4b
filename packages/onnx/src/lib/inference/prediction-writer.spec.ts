import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageIOError } from '@reproml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFloat32 } from './format-float32';
import { csvCellBytes, PredictionWriter } from './prediction-writer';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'reproml-writer-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('PredictionWriter', () => {
  it('writes RFC 4180 text cells, row numbers and shortest float32 numbers, across many flushes', async () => {
    const path = join(dir, 'p.csv');
    const out = await PredictionWriter.create(path);
    const expected: string[] = [];
    for (let row = 0; row < 60_000; row++) {
      const key = row % 3 === 0 ? `k"${row}, ü` : `k${row}`;
      const value = Math.fround(row / 7);
      out.text(key);
      out.comma();
      out.integer(row);
      out.comma();
      out.raw(csvCellBytes('a,b'));
      out.comma();
      out.float32(value);
      out.endLine();
      if (row % 1000 === 999) await out.flushIfFull();
      expected.push(`${row % 3 === 0 ? `"k""${row}, ü"` : `k${row}`},${row},"a,b",${formatFloat32(value)}`);
    }
    await out.close();
    expect((await readFile(path, 'utf8')).split('\n')).toEqual([...expected, '']);
  });

  it('makes room for text of any length and encoding: multi-byte, surrogate pairs, lone surrogates and quotes', async () => {
    const path = join(dir, 'wide.csv');
    const out = await PredictionWriter.create(path);
    // Longer than the writer's buffer (2 MiB), so it grows mid-cell.
    const cells = ['€'.repeat(800_000), `${'"'.repeat(700_000)}😀`, `a\ud800b`, 'plain', 'tab\tok'];
    for (const cell of cells) {
      out.text(cell);
      out.endLine();
    }
    await out.close();
    const quoted = (cell: string) => (/[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
    const written = await readFile(path);
    expect(written.equals(Buffer.from(`${cells.map(quoted).join('\n')}\n`, 'utf8'))).toBe(true);
  });

  it('reports a failed write (a full disk) as a StageIOError naming the file, at the next flush or at close', async () => {
    // /dev/full accepts the open and fails every write with ENOSPC.
    const out = await PredictionWriter.create('/dev/full');
    let failure: unknown;
    try {
      for (let row = 0; row < 200_000; row++) {
        out.text(`row ${row}`);
        out.endLine();
        await out.flushIfFull();
      }
      await out.close();
    } catch (error) {
      failure = error;
      await out.close().catch(() => undefined);
    }
    expect(failure).toBeInstanceOf(StageIOError);
    expect((failure as Error).message).toMatch(/^Cannot write \/dev\/full: .*ENOSPC/);
  });
});
