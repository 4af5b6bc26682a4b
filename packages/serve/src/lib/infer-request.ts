import { didYouMean, type Table } from '@reproml/core';
import type { ModelSignature, RawInput } from '@reproml/onnx';
import { inputTable } from './input-table';
import { badRequest } from './request-error';

/** Open Inference Protocol v2 tensor datatypes a raw input of each kind accepts. */
const NUMBER_DATATYPES = new Set(['FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);
export const datatypeOf = (kind: RawInput['kind']): string => (kind === 'number' ? 'FP32' : 'BYTES');

export interface InferRequest {
  id?: string;
  table: Table;
  /** Output names asked for (`outputs`), undefined = all. */
  outputs?: string[];
}

/**
 * An OIP v2 inference request (`{"inputs": [{"name", "shape", "datatype", "data"}]}`): one
 * tensor per raw input of the model, shape [N] or [N, 1], all with the same N; numbers as
 * FP32, FP64 or an integer type (null = missing), strings as BYTES. `data` may be flat or nested by row.
 */
export function inferRequestTable(signature: ModelSignature, body: unknown, outputNames: readonly string[]): InferRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('the body should be a JSON object with "inputs"', { hint: exampleHint(signature) });
  const request = body as Record<string, unknown>;
  if (!Array.isArray(request['inputs'])) throw badRequest('"inputs" should be an array of tensors', { field: 'inputs', hint: exampleHint(signature) });
  const tensors = new Map<string, unknown[]>();
  let rowCount: number | undefined;
  const known = signature.rawInputs.map((input) => input.name);
  for (const [index, tensor] of (request['inputs'] as unknown[]).entries()) {
    const field = `inputs[${index}]`;
    if (typeof tensor !== 'object' || tensor === null) throw badRequest(`${field} should be an object {name, shape, datatype, data}`, { field });
    const { name, shape, datatype, data } = tensor as Record<string, unknown>;
    if (typeof name !== 'string') throw badRequest(`${field}.name should be a string`, { field: `${field}.name` });
    const input = signature.rawInputs.find((candidate) => candidate.name === name);
    if (!input) throw badRequest(`the model has no input '${name}'${didYouMean(name, known)}`, { field: name, hint: `Inputs: ${describeInputs(signature)}.` });
    if (tensors.has(name)) throw badRequest(`input '${name}' is given twice`, { field: name });
    const accepted = input.kind === 'number' ? NUMBER_DATATYPES.has(datatype as string) : datatype === 'BYTES';
    if (!accepted) {
      throw badRequest(
        `input '${name}' has datatype ${JSON.stringify(datatype)}; the model takes ${input.kind === 'number' ? 'numbers (FP32, FP64 or an INT type)' : 'strings (BYTES)'}`,
        {
          field: `${name}.datatype`,
          hint: `Inputs: ${describeInputs(signature)}.`,
        },
      );
    }
    if (
      !Array.isArray(shape) ||
      !shape.every((size) => Number.isInteger(size) && size >= 0) ||
      shape.length < 1 ||
      shape.length > 2 ||
      (shape.length === 2 && shape[1] !== 1)
    ) {
      throw badRequest(`input '${name}' has shape ${JSON.stringify(shape)}; each input is one column: [N] or [N, 1]`, { field: `${name}.shape` });
    }
    const rows = shape[0] as number;
    if (rows === 0) throw badRequest(`input '${name}' has no rows (shape ${JSON.stringify(shape)})`, { field: `${name}.shape` });
    if (rowCount !== undefined && rows !== rowCount) {
      throw badRequest(`input '${name}' has ${rows} row(s), the inputs before it ${rowCount}: every input needs the same number of rows`, {
        field: `${name}.shape`,
      });
    }
    rowCount = rows;
    if (!Array.isArray(data)) throw badRequest(`input '${name}' has no "data" array`, { field: `${name}.data` });
    const flat = data.flat();
    if (flat.length !== rows) {
      throw badRequest(`input '${name}' has ${flat.length} value(s) in "data" but shape ${JSON.stringify(shape)} says ${rows}`, { field: `${name}.data` });
    }
    tensors.set(name, flat);
  }
  const missing = known.filter((name) => !tensors.has(name));
  if (missing.length) throw badRequest(`missing input(s): ${missing.join(', ')}`, { field: missing.join(', '), hint: `Inputs: ${describeInputs(signature)}.` });
  const outputs = requestedOutputs(request['outputs'], outputNames);
  const table = inputTable(signature, {
    rowCount: rowCount!,
    cell: (input, row) => tensors.get(input.name)![row],
    where: (input, row) => `input '${input.name}' data[${row}]`,
  });
  const id = typeof request['id'] === 'string' ? request['id'] : undefined;
  return { ...(id !== undefined ? { id } : {}), table, ...(outputs ? { outputs } : {}) };
}

function requestedOutputs(value: unknown, outputNames: readonly string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw badRequest('"outputs" should be an array of {name}', { field: 'outputs' });
  return value.map((output, index) => {
    const name = (output as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !outputNames.includes(name)) {
      throw badRequest(`outputs[${index}] names no output of the model${typeof name === 'string' ? `: '${name}'${didYouMean(name, outputNames)}` : ''}`, {
        field: `outputs[${index}].name`,
        hint: `Outputs: ${outputNames.join(', ')}.`,
      });
    }
    return name;
  });
}

function describeInputs(signature: ModelSignature): string {
  return signature.rawInputs.map((input) => `${input.name} (${datatypeOf(input.kind)})`).join(', ');
}

function exampleHint(signature: ModelSignature): string {
  const inputs = signature.rawInputs.map((input) => ({
    name: input.name,
    shape: [1],
    datatype: datatypeOf(input.kind),
    data: [input.kind === 'number' ? 0 : 'text'],
  }));
  return `Example: ${JSON.stringify({ inputs })}`;
}
