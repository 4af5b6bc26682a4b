import { basename } from 'node:path';
import { type Column, ConfigError, DataError } from '@reproml/core';
import { DATASET_FORMATS, type DatasetFormat, formatFromExtension, streamTableBatches, type TableBatch } from '@reproml/data';
import { checkInputColumns, type ModelSignature } from '../graph/model-signature';
import { formatFloat32 } from './format-float32';
import { type LoadedModel, type Predictions, predictBatches } from './inference-runner';
import { predictionColumnNames, predictionLabel } from './prediction-columns';
import { csvCellBytes, PredictionWriter } from './prediction-writer';

export interface PredictFileParams {
  model: LoadedModel;
  /** Absolute path of the input rows and its name in messages. */
  input: { path: string; file: string; format?: DatasetFormat };
  /** Absolute path of the CSV to write. */
  outputPath: string;
  /** Column copied to the output to identify rows; default the 1-based row number in a `row` column. */
  key?: string;
  batchSize: number;
  onBatch?: (rowsDone: number) => void;
}

/**
 * Batch inference of a model over a file: streamed in batches by the data package's one
 * table reader (bounded memory for CSV/TSV/JSONL, one row group at a time for Parquet),
 * columns checked against the model's raw inputs before any row is read, predictions written
 * as CSV: key, label (class name or value), one probability per class.
 */
export async function predictFile(params: PredictFileParams): Promise<{ rows: number }> {
  const { model, input } = params;
  const format = input.format ?? formatOf(input.file);
  const signature = model.signature;
  const columns: Record<string, 'number' | 'string'> = Object.fromEntries(signature.rawInputs.map((raw) => [raw.name, raw.kind]));
  const keyColumn = params.key;
  // A key that is no model input is copied through as undecoded text (no string per row).
  const keyText = keyColumn !== undefined && columns[keyColumn] === undefined;

  const out = await PredictionWriter.create(params.outputPath);
  let rows = 0;
  try {
    [keyColumn ?? 'row', ...predictionColumnNames(signature)].forEach((name, index) => {
      if (index > 0) out.comma();
      out.text(name);
    });
    out.endLine();
    const batches = streamTableBatches({
      path: input.path,
      file: input.file,
      format,
      columns,
      texts: keyText ? [keyColumn] : [],
      batchSize: params.batchSize,
      onColumns: (names) => checkFileColumns({ names, signature, file: input.file, format, key: keyColumn }),
    });
    const writeRow = rowWriter(signature, out);
    for await (const { table, predictions } of predictBatches({ model, batches, file: input.file })) {
      const writeKey = keyWriter(out, table, keyColumn);
      for (let row = 0; row < table.rowCount; row++) {
        writeKey(row, rows + row + 1);
        out.comma();
        writeRow(predictions, row);
        out.endLine();
      }
      await out.flushIfFull();
      rows += table.rowCount;
      params.onBatch?.(rows);
    }
  } finally {
    await out.close();
  }
  if (rows === 0) {
    throw new DataError(`${input.file} has no rows to predict (a header alone)`, {
      file: input.file,
      hint: 'Check that the data path points at the right file; an export that selected nothing writes only the header.',
    });
  }
  return { rows };
}

/** The file's columns against the model's inputs and the key, before any row is read. */
function checkFileColumns(params: { names: readonly string[]; signature: ModelSignature; file: string; format: DatasetFormat; key?: string }): void {
  const { names, signature, file } = params;
  if (names.length === 0 && params.format === 'json') return; // an empty array: "no rows to predict" says it
  if (names.length === 0) {
    throw new DataError(`${file} is empty: expected one JSON record per line`, {
      file,
      hint: 'Check that the data path points at the right file (an upstream stage may have written nothing).',
    });
  }
  const kinds = new Map(signature.rawInputs.map((raw) => [raw.name, raw.kind]));
  checkInputColumns({ signature, columns: names.map((name) => ({ name, kind: kinds.get(name) ?? 'string' })), file });
  if (params.key !== undefined && !names.includes(params.key)) {
    throw new DataError(`${file} has no key column '${params.key}'`, { file, field: 'key', hint: `Its columns are: ${names.join(', ')}.` });
  }
}

/** Writes a row's key cell: the 1-based row number, the key's text (missing: empty), or an input column's value as text. */
function keyWriter(out: PredictionWriter, table: TableBatch, keyColumn: string | undefined): (row: number, rowNumber: number) => void {
  if (keyColumn === undefined) return (_, rowNumber) => out.integer(rowNumber);
  const text = table.texts.find((column) => column.name === keyColumn);
  if (text !== undefined) {
    const { bytes, ends } = text;
    return (row) => out.textBytes(bytes, row === 0 ? 0 : ends[row - 1]!, ends[row]!);
  }
  const key: Column = table.columns.find((column) => column.name === keyColumn)!;
  return (row) => out.text(String(key.values[row] ?? ''));
}

/** Writes one row's label and probabilities; class names are encoded once. */
function rowWriter(signature: ModelSignature, out: PredictionWriter): (predictions: Predictions, row: number) => void {
  const classes = signature.classes;
  if (classes === undefined) return (predictions, row) => out.float32(predictions.label[row]!);
  // A class as the data wrote it (a number class by its shortest text, never rounded).
  const names = classes.map((_, index) => csvCellBytes(String(predictionLabel(signature, index))));
  const classCount = classes.length;
  return (predictions, row) => {
    const label = predictions.label[row]!;
    const name = names[label];
    if (name === undefined) out.text(String(label));
    else out.raw(name);
    const probabilities = predictions.probabilities!;
    for (let c = 0, at = row * classCount; c < classCount; c++, at++) {
      out.comma();
      out.float32(probabilities[at]!);
    }
  };
}

/**
 * A model output as text: the shortest decimal that reads back as the same float32 (outputs
 * are float32; `formatFloat32`), as predictions.csv writes it.
 */
export function formatOutput(value: number): string {
  return formatFloat32(value);
}

export function formatOf(file: string): DatasetFormat {
  const format = formatFromExtension(basename(file));
  if (format) return format;
  throw new ConfigError(`cannot tell the format of ${file} from its extension`, {
    field: 'data.format',
    hint: `Set data.format to one of ${DATASET_FORMATS.join(', ')}.`,
  });
}
