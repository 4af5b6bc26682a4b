import { type Column, closestMatch, DataError } from '@reproml/core';
import { onnx } from 'onnx-proto';
import type { ClassKind, RawInput } from '../contracts/features-manifest';
import { MODEL_METADATA_KEYS } from '../training/export-model';
import type { Task } from './network';
import { decodeModel, modelMetadata } from './onnx-model';
import { stringInputVocabularies } from './string-input-vocabulary';

/** What a ReproML model.onnx takes and gives, read from the model file alone. */
export interface ModelSignature {
  rawInputs: RawInput[];
  task: Task;
  classes?: string[];
  /** `number` when the classes are numbers (named by their shortest text); absent for text classes. */
  classKind?: ClassKind;
  outputs: string[];
  /** Raw string columns (by column name) whose encoder fails on other values: the values it accepts. */
  acceptedStrings: Map<string, Set<string>>;
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
  const vocabularies = stringInputVocabularies(model.graph ?? {});
  const acceptedStrings = new Map(
    rawInputs.filter((input) => vocabularies.has(input.onnxName)).map((input) => [input.name, vocabularies.get(input.onnxName)!] as const),
  );
  return {
    rawInputs,
    task,
    ...(classes ? { classes } : {}),
    ...(classes && metadata[MODEL_METADATA_KEYS.classKind] === 'number' ? { classKind: 'number' as const } : {}),
    outputs: (model.graph?.output ?? []).map((output) => output.name ?? ''),
    acceptedStrings,
  };
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

/**
 * Refuses string values the model's encoders were not fitted on, before onnxruntime does
 * with a message about OneHotEncoder internals: names the column, the values and how many
 * rows hold them. `fed` is the column as the model receives it (missing values as "").
 */
/** At most this many unseen values are named in the error. */
const UNSEEN_LISTED = 5;

export function checkCategoricalValues(params: { signature: ModelSignature; column: string; fed: readonly string[]; file: string; firstRow?: number }): void {
  const accepted = params.signature.acceptedStrings.get(params.column);
  if (!accepted) return;
  const { fed } = params;
  let firstUnseen = -1;
  for (let row = 0; row < fed.length; row++) {
    if (!accepted.has(fed[row]!)) {
      firstUnseen = row;
      break;
    }
  }
  if (firstUnseen < 0) return;
  const unseen = new Map<string, number[]>();
  for (let row = firstUnseen; row < fed.length; row++) {
    const value = fed[row]!;
    if (!accepted.has(value)) unseen.set(value, [...(unseen.get(value) ?? []), row + (params.firstRow ?? 1)]);
  }
  const rows = [...unseen.values()].flat().sort((a, b) => a - b);
  const names = [...unseen.keys()].slice(0, UNSEEN_LISTED).map((value) => (value === '' ? 'a missing value' : `'${value}'`));
  throw new DataError(
    `${params.file}: column '${params.column}' holds values the model was not trained on: ${names.join(', ')}${unseen.size > UNSEEN_LISTED ? ` and ${unseen.size - UNSEEN_LISTED} more` : ''} (${rows.length} row(s), e.g. row ${rows.slice(0, 3).join(', ')})`,
    {
      file: params.file,
      field: params.column,
      hint: `The model knows: ${[...accepted]
        .filter((value) => value !== '')
        .sort()
        .join(
          ', ',
        )}. Retrain on data that includes the new values, or set "unseen": "ignore" in the preprocess stage's encode rule so they encode as all zeros.`,
    },
  );
}
