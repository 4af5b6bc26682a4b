import { type Column, DataError } from '@reproml/core';
import type { ColumnKind } from './column-kinds';
import { fieldTooLongError, infiniteNumberError, MAX_FIELD_LENGTH } from './max-field-length';
import { isInfiniteNumberText, parseNumberSpan } from './parse-number';

export interface ColumnFromValuesParams {
  name: string;
  /** One value per row as the file holds it: null/undefined for missing. */
  values: ArrayLike<unknown>;
  forced?: ColumnKind;
  /** Workspace-relative path (or URL) of the file, for messages. */
  file: string;
  /** Where row `row` (0-based) is, in messages. Default: `row <row + 1>`. */
  where?: (row: number) => string;
}

const rowNumber = (row: number) => `row ${row + 1}`;

/**
 * Turns the typed values of a JSON or Parquet column into a Table column: all numbers →
 * number column; any string → string column (numbers kept in their shortest form). A forced
 * `number` kind parses strings strictly; a forced `string` kind writes numbers as text.
 */
export function columnFromValues(params: ColumnFromValuesParams): Column {
  const { name, values, forced, file } = params;
  const where = params.where ?? rowNumber;
  const cells = normalizeCells(params);
  let kind: ColumnKind = forced ?? 'number';
  if (!forced) {
    for (let row = 0; row < cells.length; row++) {
      if (typeof cells[row] === 'string') {
        kind = 'string';
        break;
      }
    }
  }
  if (kind === 'string') {
    return { name, kind, values: cells.map((cell) => (cell === null ? null : typeof cell === 'string' ? cell : String(cell))) };
  }
  const numbers = new Float64Array(values.length);
  for (let row = 0; row < cells.length; row++) {
    const cell = cells[row];
    if (cell === null) numbers[row] = NaN;
    else if (typeof cell === 'number') numbers[row] = cell;
    else {
      const parsed = parseNumberSpan(cell!, 0, cell!.length);
      if (parsed === undefined && isInfiniteNumberText(cell!)) throw infiniteNumberError({ file, column: name, where: where(row), text: cell! });
      if (parsed === undefined) {
        throw new DataError(`${file}: column '${name}' is declared as a number but ${where(row)} holds ${JSON.stringify(cell)}`, {
          file,
          field: name,
          hint: 'Fix the value, or read the column as a string.',
        });
      }
      numbers[row] = parsed;
    }
  }
  return { name, kind: 'number', values: numbers };
}

/**
 * Missing (and NaN) → null; numbers, strings kept; booleans, big integers and dates become
 * numbers or text. ±Infinity (JSON's 1e999, a Parquet double) and over-long strings fail.
 */
function normalizeCells(params: ColumnFromValuesParams): (number | string | null)[] {
  const { name, values, file } = params;
  const where = params.where ?? rowNumber;
  const cells = new Array<number | string | null>(values.length);
  for (let row = 0; row < values.length; row++) {
    const value = values[row];
    if (value === null || value === undefined) cells[row] = null;
    else if (typeof value === 'number') {
      if (value === Infinity || value === -Infinity) throw infiniteNumberError({ file, column: name, where: where(row), text: String(value) });
      cells[row] = Number.isNaN(value) ? null : value;
    } else if (typeof value === 'string') {
      if (value.length > MAX_FIELD_LENGTH) throw fieldTooLongError({ file, column: name, where: where(row), length: value.length });
      cells[row] = value;
    } else if (typeof value === 'bigint') cells[row] = Number(value);
    else if (typeof value === 'boolean') cells[row] = value ? 'true' : 'false';
    else if (value instanceof Date) cells[row] = value.toISOString();
    else {
      throw new DataError(`${file}: column '${name}' holds a nested value at ${where(row)} (${describeValue(value)})`, {
        file,
        field: name,
        hint: 'ReproML reads flat tables: flatten the column into scalar columns before pulling, or drop it.',
      });
    }
  }
  return cells;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.byteLength} bytes of binary`;
  return 'an object';
}
