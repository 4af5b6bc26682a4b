import { readFile } from 'node:fs/promises';
import { StageIOError, type Table } from '@reproml/core';
import * as ort from 'onnxruntime-node';
import { CLASS_ID_OUTPUT } from '../graph/class-label-graph';
import { MODEL_OUTPUTS } from '../graph/inference-graph';
import { checkCategoricalValues, checkInputColumns, type ModelSignature, readModelSignature } from '../graph/model-signature';
import { WorkerSession } from './worker-session';

/** What inference needs of a session: one run over named input tensors (an onnxruntime session, or one in a worker thread). */
export interface ModelSession {
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType>;
}

/** The session options every ReproML inference session is created with. */
export function inferenceSessionOptions(params: { threads?: number; interOpThreads?: number }): ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads: params.threads ?? 0, interOpNumThreads: params.interOpThreads ?? 1, graphOptimizationLevel: 'all' };
}

/** A loaded model: one onnxruntime session plus the signature read from the file. */
export interface LoadedModel {
  session: ModelSession;
  signature: ModelSignature;
  file: string;
  release(): Promise<void>;
}

export interface Predictions {
  rows: number;
  /** Class ids (classification) or predictions (regression). */
  label: Float64Array;
  /** Row-major [rows × classes] (classification only). */
  probabilities?: Float32Array;
}

/**
 * Loads a model file. `worker`: the session runs in a worker thread (WorkerSession), so the
 * calling thread stays free while a batch runs (predict parses the next batch meanwhile).
 */
export async function loadModel(params: { path: string; file?: string; threads?: number; worker?: boolean }): Promise<LoadedModel> {
  const file = params.file ?? params.path;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(params.path);
  } catch (error) {
    throw new StageIOError(`cannot read model ${file}: ${(error as Error).message}`, { file, hint: 'Run the train stage first.', cause: error });
  }
  return loadModelBytes({ bytes, file, threads: params.threads, worker: params.worker });
}

export async function loadModelBytes(params: {
  bytes: Uint8Array;
  file: string;
  threads?: number;
  interOpThreads?: number;
  worker?: boolean;
}): Promise<LoadedModel> {
  const signature = readModelSignature(params.bytes);
  const session = params.worker
    ? await WorkerSession.create(params.bytes, inferenceSessionOptions(params))
    : await ort.InferenceSession.create(params.bytes, inferenceSessionOptions(params));
  return { session, signature, file: params.file, release: () => session.release() };
}

/** Runs the model on every row of a table (one batch); columns are checked against the model's raw inputs. */
export async function predictTable(params: { model: LoadedModel; table: Table; file: string; firstRow?: number }): Promise<Predictions> {
  const { model, table } = params;
  checkInputColumns({ signature: model.signature, columns: table.columns, file: params.file });
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of model.signature.rawInputs) {
    const column = table.columns.find((candidate) => candidate.name === input.name)!;
    feeds[input.onnxName] =
      column.kind === 'number'
        ? new ort.Tensor('float32', new Float32Array(column.values), [table.rowCount, 1])
        : new ort.Tensor('string', fedStrings(column.values), [table.rowCount, 1]);
  }
  let out: ort.InferenceSession.OnnxValueMapType;
  try {
    out = await model.session.run(feeds);
  } catch (error) {
    // Checked only when the run failed, so the common case pays nothing for it.
    explainRunFailure(model.signature, feeds, params);
    throw error;
  }
  // A classifier's `label` holds the class values; `class_id` their index (models before it had ids in `label`).
  const label = labelsOf((out[CLASS_ID_OUTPUT] ?? out[MODEL_OUTPUTS.label]!).data as BigInt64Array | Float32Array, table.rowCount);
  const probabilities = out[MODEL_OUTPUTS.probabilities]?.data as Float32Array | undefined;
  return { rows: table.rowCount, label, ...(probabilities ? { probabilities } : {}) };
}

/** A string column as the model takes it: missing values as "" (the column itself when none is missing). */
function fedStrings(values: (string | null)[]): string[] {
  return values.includes(null) ? values.map((value) => value ?? '') : (values as string[]);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Class ids (int64) or predicted values (float32) as float64; small non-negative int64 ids are read from their low 32 bits (no BigInt per row). */
function labelsOf(data: BigInt64Array | Float32Array, rows: number): Float64Array {
  const label = new Float64Array(rows);
  if (data instanceof BigInt64Array && LITTLE_ENDIAN) {
    const words = new Int32Array(data.buffer, data.byteOffset, 2 * rows);
    let ok = true;
    for (let row = 0; row < rows; row++) {
      const low = words[2 * row]!;
      if (words[2 * row + 1] !== 0 || low < 0) {
        ok = false;
        break;
      }
      label[row] = low;
    }
    if (ok) return label;
  }
  for (let row = 0; row < rows; row++) label[row] = Number(data[row]);
  return label;
}

/** Turns a failed run caused by values a strict encoder never saw into a typed error naming them. */
function explainRunFailure(signature: ModelSignature, feeds: Record<string, ort.Tensor>, params: { file: string; firstRow?: number }): void {
  for (const input of signature.rawInputs) {
    if (input.kind !== 'string') continue;
    checkCategoricalValues({ signature, column: input.name, fed: feeds[input.onnxName]!.data as string[], file: params.file, firstRow: params.firstRow });
  }
}

/**
 * `predictTable` over a stream of tables (batches), one batch ahead: batch N+1 is read and
 * handed to the session before batch N's predictions are yielded, so a session in a worker
 * thread runs while the caller reads and writes (memory: three batches).
 */
export async function* predictBatches<T extends Table>(params: {
  model: LoadedModel;
  batches: AsyncIterable<T>;
  file: string;
}): AsyncGenerator<{ table: T; predictions: Predictions }> {
  let firstRow = 1;
  let running: { table: T; predictions: Promise<Predictions> } | undefined;
  for await (const table of params.batches) {
    if (table.rowCount === 0) continue;
    const predictions = predictTable({ model: params.model, table, file: params.file, firstRow });
    // Awaited below (or dropped with the generator): no unhandled rejection meanwhile.
    predictions.catch(() => undefined);
    firstRow += table.rowCount;
    if (running) yield { table: running.table, predictions: await running.predictions };
    running = { table, predictions };
  }
  if (running) yield { table: running.table, predictions: await running.predictions };
}
