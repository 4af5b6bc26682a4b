import { closestMatch, DataError, type Column } from '@reproml/core';
import { onnx } from 'onnx-proto';
import { MODEL_METADATA_KEYS } from './export-model';
import type { RawInput } from './features-manifest';
import { decodeModel, modelMetadata } from './onnx-model';
import type { Task } from './network';

/** What a ReproML model.onnx takes and gives, read from the model file alone. */
export interface ModelSignature {
  rawInputs: RawInput[];
  task: Task;
  classes?: string[];
  outputs: string[];
}

/**
 * Reads the signature of a model: raw inputs from its metadata (a ReproML model), or from
 * the graph's inputs for any other ONNX model (column name = input name, string inputs by
 * their element type).
 */
export function readModelSignature(bytes: Uint8Array): ModelSignature {
  const model = decodeModel(bytes);
  const metadata = modelMetadata(model);
  const graphInputs = (model.graph?.input ?? []).map((input) => ({
    onnxName: input.name ?? '',
    kind: input.type?.tensorType?.elemType === onnx.TensorProto.DataType.STRING ? ('string' as const) : ('number' as const),
  }));
  const declared = metadata[MODEL_METADATA_KEYS.rawInputs] ? (JSON.parse(metadata[MODEL_METADATA_KEYS.rawInputs]!) as RawInput[]) : undefined;
  const rawInputs = graphInputs.map(({ onnxName, kind }) => declared?.find((input) => input.onnxName === onnxName) ?? { name: onnxName, kind, onnxName });
  const classes = metadata[MODEL_METADATA_KEYS.classes] ? (JSON.parse(metadata[MODEL_METADATA_KEYS.classes]!) as string[]) : undefined;
  const task = (metadata[MODEL_METADATA_KEYS.task] as Task | undefined) ?? (classes ? 'classification' : 'regression');
  return { rawInputs, task, ...(classes ? { classes } : {}), outputs: (model.graph?.output ?? []).map((output) => output.name ?? '') };
}

/** Refuses input columns that do not give the model what it declares: names each missing column and the closest match. */
export function checkInputColumns(params: { signature: ModelSignature; columns: readonly Pick<Column, 'name' | 'kind'>[]; file: string }): void {
  const { signature, columns, file } = params;
  const available = columns.map((column) => column.name);
  const problems: string[] = [];
  const fields: string[] = [];
  for (const input of signature.rawInputs) {
    const column = columns.find((candidate) => candidate.name === input.name);
    if (!column) {
      const close = closestMatch(input.name, available);
      problems.push(`missing column '${input.name}'${close ? ` (did you mean '${close}'?)` : ''}`);
      fields.push(input.name);
    } else if (column.kind !== input.kind) {
      problems.push(`column '${input.name}' holds ${column.kind}s, the model takes ${input.kind}s`);
      fields.push(input.name);
    }
  }
  if (problems.length > 0) {
    throw new DataError(`${file} does not match the model's inputs: ${problems.join('; ')}`, {
      file,
      field: fields.join(', '),
      hint: `The model takes: ${signature.rawInputs.map((input) => `${input.name} (${input.kind})`).join(', ')}.`,
    });
  }
}
