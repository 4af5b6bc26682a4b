import { type Column, DataError, type Table } from '@reproml/core';
import { checkCategoricalValues, type ModelSignature, type RawInput } from '@reproml/onnx';
import { badRequest } from './request-error';

/** How a request's values are read: one cell per raw input and row, and where that cell is, for messages. */
export interface InputCells {
  rowCount: number;
  cell(input: RawInput, row: number): unknown;
  where(input: RawInput, row: number): string;
}

/**
 * Builds the model's input table from a request, strictly against the raw-row signature:
 * a number input takes a finite JSON number or null (missing), a string input a string or
 * null. Strings the model's encoders refuse are named here (with the values the model
 * knows), so one bad request never fails the batch it would have joined.
 */
export function inputTable(signature: ModelSignature, cells: InputCells): Table {
  const columns: Column[] = signature.rawInputs.map((input) => (input.kind === 'number' ? numberColumn(input, cells) : stringColumn(input, cells)));
  const table = { columns, rowCount: cells.rowCount };
  for (const column of columns) {
    if (column.kind !== 'string') continue;
    try {
      checkCategoricalValues({ signature, column: column.name, fed: column.values.map((value) => value ?? ''), file: 'the request' });
    } catch (error) {
      if (error instanceof DataError) throw badRequest(error.message, { field: column.name, hint: error.hint });
      throw error;
    }
  }
  return table;
}

function numberColumn(input: RawInput, cells: InputCells): Column {
  const values = new Float64Array(cells.rowCount);
  for (let row = 0; row < cells.rowCount; row++) {
    const value = cells.cell(input, row);
    if (value === null) values[row] = NaN;
    else if (typeof value === 'number' && Number.isFinite(value)) values[row] = value;
    else throw wrongType(input, cells.where(input, row), value, 'a number or null (missing)');
  }
  return { name: input.name, kind: 'number', values };
}

function stringColumn(input: RawInput, cells: InputCells): Column {
  const values: (string | null)[] = new Array(cells.rowCount);
  for (let row = 0; row < cells.rowCount; row++) {
    const value = cells.cell(input, row);
    if (value === null || typeof value === 'string') values[row] = value;
    else throw wrongType(input, cells.where(input, row), value, 'a string or null (missing)');
  }
  return { name: input.name, kind: 'string', values };
}

function wrongType(input: RawInput, where: string, value: unknown, expected: string) {
  return badRequest(`${where}: '${input.name}' should be ${expected}, got ${describeValue(value)}`, {
    field: input.name,
    hint: `The model takes: ${input.name} (${input.kind}).`,
  });
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return `${typeof value} ${String(value)}`;
}
