import { didYouMean, type Table } from '@reproml/core';
import type { ModelSignature } from '@reproml/onnx';
import { inputTable } from './input-table';
import { badRequest } from './request-error';

/**
 * The plain JSON-rows request: `{"rows": [{"<column>": value, …}, …]}` (or the bare array),
 * one record per row with every raw input of the model (null = missing); other keys are ignored.
 */
export function rowsRequestTable(signature: ModelSignature, body: unknown): Table {
  const rows = Array.isArray(body) ? body : isRecord(body) ? body['rows'] : undefined;
  if (!Array.isArray(rows)) {
    throw badRequest(`the body should be {"rows": [ {…}, … ]} or an array of records, got ${Array.isArray(body) ? 'an array' : typeof body}`, {
      field: 'rows',
      hint: exampleHint(signature),
    });
  }
  if (rows.length === 0) throw badRequest('"rows" is empty: send at least one record', { field: 'rows', hint: exampleHint(signature) });
  const names = signature.rawInputs.map((input) => input.name);
  for (let row = 0; row < rows.length; row++) {
    const record = rows[row];
    if (!isRecord(record))
      throw badRequest(`rows[${row}] should be an object of column values, got ${Array.isArray(record) ? 'an array' : typeof record}`, {
        field: `rows[${row}]`,
        hint: exampleHint(signature),
      });
    for (const name of names) {
      if (!(name in record)) {
        throw badRequest(`rows[${row}] has no '${name}'${didYouMean(name, Object.keys(record))}`, {
          field: name,
          hint: `Every row needs every input (null for a missing value): ${names.join(', ')}.`,
        });
      }
    }
  }
  return inputTable(signature, {
    rowCount: rows.length,
    cell: (input, row) => (rows[row] as Record<string, unknown>)[input.name],
    where: (_input, row) => `rows[${row}]`,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function exampleHint(signature: ModelSignature): string {
  const example = Object.fromEntries(signature.rawInputs.map((input) => [input.name, input.kind === 'number' ? 0 : 'text']));
  return `Example: {"rows": [${JSON.stringify(example)}]}`;
}
