import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

export type FileComparison =
  | { path: string; status: 'identical' }
  | {
      path: string;
      status: 'different';
      detail: string;
      /** Largest |a − b| over numbers at the same place; absent for binary files. */
      maxNumericDifference?: number;
      /** True when something other than a number differs too (text, structure, row count). */
      nonNumericDifferences?: boolean;
    }
  | { path: string; status: 'missing-in-reference' | 'missing-in-rerun' };

/** Byte-for-byte comparison, with the largest numeric difference for JSON and delimited text. */
export function compareFiles(path: string, reference: string, rerun: string): FileComparison {
  const a = readFileSync(reference);
  const b = readFileSync(rerun);
  if (a.equals(b)) return { path, status: 'identical' };
  const extension = extname(path).toLowerCase();
  const differingBytes = countDifferingBytes(a, b);
  const sizes = a.length === b.length ? `${a.length} B` : `${a.length} B vs ${b.length} B`;
  const numeric = extension === '.json' ? jsonDifference(a, b) : ['.csv', '.tsv'].includes(extension) ? delimitedDifference(a, b) : undefined;
  if (!numeric) return { path, status: 'different', detail: `${differingBytes} byte(s) differ (${sizes})` };
  const parts = [`${differingBytes} byte(s) differ (${sizes})`];
  if (numeric.max > 0) parts.push(`largest numeric difference ${numeric.max.toPrecision(3)}`);
  if (numeric.nonNumeric) parts.push('non-numeric values differ too');
  return {
    path,
    status: 'different',
    detail: parts.join(', '),
    maxNumericDifference: numeric.max,
    nonNumericDifferences: numeric.nonNumeric,
  };
}

interface NumericDifference {
  max: number;
  nonNumeric: boolean;
}

function countDifferingBytes(a: Buffer, b: Buffer): number {
  let count = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) count++;
  return count;
}

/** Numbers at the same place in two JSON documents; undefined when either is not JSON. */
function jsonDifference(a: Buffer, b: Buffer): NumericDifference | undefined {
  try {
    const difference = { max: 0, nonNumeric: false };
    walkJson(JSON.parse(a.toString('utf8')), JSON.parse(b.toString('utf8')), difference);
    return difference;
  } catch {
    return undefined;
  }
}

function walkJson(a: unknown, b: unknown, difference: NumericDifference): void {
  if (typeof a === 'number' && typeof b === 'number') {
    difference.max = Math.max(difference.max, Math.abs(a - b));
  } else if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) difference.nonNumeric = true;
    for (let i = 0; i < Math.min(a.length, b.length); i++) walkJson(a[i], b[i], difference);
  } else if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      walkJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], difference);
    }
  } else if (a !== b) {
    difference.nonNumeric = true;
  }
}

/** Cell by cell for CSV/TSV text: numbers compared by value, anything else by text. */
function delimitedDifference(a: Buffer, b: Buffer): NumericDifference {
  const rowsA = a.toString('utf8').split(/\r?\n/);
  const rowsB = b.toString('utf8').split(/\r?\n/);
  const difference = { max: 0, nonNumeric: rowsA.length !== rowsB.length };
  for (let row = 0; row < Math.min(rowsA.length, rowsB.length); row++) {
    if (rowsA[row] === rowsB[row]) continue;
    const cellsA = rowsA[row]!.split(/[,\t]/);
    const cellsB = rowsB[row]!.split(/[,\t]/);
    if (cellsA.length !== cellsB.length) difference.nonNumeric = true;
    for (let cell = 0; cell < Math.min(cellsA.length, cellsB.length); cell++) {
      if (cellsA[cell] === cellsB[cell]) continue;
      const x = Number(cellsA[cell]);
      const y = Number(cellsB[cell]);
      if (cellsA[cell] !== '' && cellsB[cell] !== '' && Number.isFinite(x) && Number.isFinite(y)) difference.max = Math.max(difference.max, Math.abs(x - y));
      else difference.nonNumeric = true;
    }
  }
  return difference;
}
