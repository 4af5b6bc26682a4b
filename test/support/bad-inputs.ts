/**
 * The malformed inputs of the bad input sweep (test/bad-input-sweep.spec.ts). This file has no
 * imports on purpose: the sweep also copies it into script stages that corrupt an upstream
 * stage's outputs inside the nx run (their script loads it next to itself).
 */

/** One malformed variant of a CSV file. */
export type BadInputCase = 'empty' | 'encoding' | 'huge' | 'wrong-types' | 'missing-column' | 'duplicate-columns' | 'nan' | 'inf' | 'zero-rows';

export const BAD_INPUT_CASES: readonly BadInputCase[] = [
  'empty',
  'encoding',
  'huge',
  'wrong-types',
  'missing-column',
  'duplicate-columns',
  'nan',
  'inf',
  'zero-rows',
];

/** One field over the readers' limit (1 MiB = 1,048,576 characters), by a margin. */
export const HUGE_FIELD_LENGTH = 1_100_000;

/**
 * `csv` with one problem, always in its first column (so the error must name that column):
 * 0 bytes; an invalid UTF-8 byte in the first cell of row 2; a 1.1 MB first cell in row 2;
 * text in the first cell of row 2; the first column dropped; the second column renamed to the
 * first's name; NaN or Infinity in the first cell of row 2; the header alone.
 * Assumes a plain CSV (no quoted line breaks), as the sweep's fixtures are.
 */
export function corruptCsv(csv: string, problem: BadInputCase): Buffer {
  const lines = csv.replace(/\n$/, '').split('\n');
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((line) => line.split(','));
  const text = (headerCells: string[], rowCells: string[][]) => Buffer.from(`${[headerCells, ...rowCells].map((cells) => cells.join(',')).join('\n')}\n`);
  const withFirstCell = (value: string) =>
    text(
      header,
      rows.map((cells, index) => (index === 1 ? [value, ...cells.slice(1)] : cells)),
    );
  switch (problem) {
    case 'empty':
      return Buffer.alloc(0);
    case 'encoding': {
      const good = withFirstCell('@@').toString('utf8');
      const at = good.indexOf('@@');
      return Buffer.concat([Buffer.from(good.slice(0, at)), Buffer.from([0x31, 0xff, 0x32]), Buffer.from(good.slice(at + 2))]);
    }
    case 'huge':
      return withFirstCell('7'.repeat(HUGE_FIELD_LENGTH));
    case 'wrong-types':
      return withFirstCell('abc');
    case 'missing-column':
      return text(
        header.slice(1),
        rows.map((cells) => cells.slice(1)),
      );
    case 'duplicate-columns':
      return text([header[0]!, header[0]!, ...header.slice(2)], rows);
    case 'nan':
      return withFirstCell('NaN');
    case 'inf':
      return withFirstCell('Infinity');
    case 'zero-rows':
      return text(header, []);
  }
}
