import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError, DataError } from '@reproml/core';
import { DATASET_FORMATS, type DatasetFormat, formatFromExtension, parquetColumnNames } from '@reproml/data';
import { checkInputColumns, type ModelSignature } from '../graph/model-signature';
import { type LoadedModel, predictBatches } from './inference-runner';
import { predictionLabel as labelOf, predictionColumnNames } from './prediction-columns';
import { readFirstRecordColumns } from './read-first-record-columns';
import { streamTableBatches } from './stream-table-batches';

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
 * Batch inference of a model over a file: streamed in batches (bounded memory for
 * CSV/TSV/JSONL, one row group at a time for Parquet), columns checked against the model's raw inputs before any row is read,
 * predictions written as CSV: key, label (class name or value), one probability per class.
 */
export async function predictFile(params: PredictFileParams): Promise<{ rows: number }> {
  const { model, input } = params;
  const format = input.format ?? formatOf(input.file);
  const signature = model.signature;
  const columns: Record<string, 'number' | 'string'> = Object.fromEntries(signature.rawInputs.map((raw) => [raw.name, raw.kind]));
  if (format !== 'json') {
    const present =
      format === 'parquet'
        ? await parquetColumnNames({ path: input.path, file: input.file })
        : await readFirstRecordColumns({ path: input.path, file: input.file, format });
    checkInputColumns({ signature, columns: present.map((name) => ({ name, kind: columns[name] ?? 'string' })), file: input.file });
    if (params.key !== undefined && !present.includes(params.key)) {
      throw new DataError(`${input.file} has no key column '${params.key}'`, {
        file: input.file,
        field: 'key',
        hint: `Its columns are: ${present.join(', ')}.`,
      });
    }
  }
  const keyColumn = params.key;
  if (keyColumn !== undefined && columns[keyColumn] === undefined) columns[keyColumn] = 'string';

  const out = createWriteStream(params.outputPath);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  let rows = 0;
  try {
    await write(`${[keyColumn ?? 'row', ...predictionColumnNames(signature)].map(csvCell).join(',')}\n`);
    const batches = streamTableBatches({ path: input.path, file: input.file, format, columns, batchSize: params.batchSize });
    for await (const { table, predictions } of predictBatches({ model, batches, file: input.file })) {
      const key = keyColumn === undefined ? undefined : table.columns.find((column) => column.name === keyColumn)!;
      const lines: string[] = [];
      const classCount = signature.classes?.length ?? 0;
      for (let row = 0; row < table.rowCount; row++) {
        const keyValue = key === undefined ? String(rows + row + 1) : csvCell(String(key.values[row] ?? ''));
        const label = predictionLabel(signature, predictions.label[row]!);
        const probabilities: string[] = [];
        for (let c = 0; c < classCount; c++) probabilities.push(formatOutput(predictions.probabilities![row * classCount + c]!));
        lines.push([keyValue, label, ...probabilities].join(','));
      }
      await write(`${lines.join('\n')}\n`);
      rows += table.rowCount;
      params.onBatch?.(rows);
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  if (rows === 0) {
    throw new DataError(`${input.file} has no rows to predict (a header alone)`, {
      file: input.file,
      hint: 'Check that the data path points at the right file; an export that selected nothing writes only the header.',
    });
  }
  return { rows };
}

/** A class as the data wrote it (a number class by its shortest text, never rounded); a regression prediction at 6 digits. */
function predictionLabel(signature: ModelSignature, value: number): string {
  const label = labelOf(signature, value);
  return signature.classes ? csvCell(String(label)) : formatOutput(label as number);
}

/**
 * Fixed formatting of a model output: 6 significant digits in JavaScript's shortest form
 * (`0.981234`, `1.5e-7`), stable across runs and platforms; float32 outputs carry ~7 digits.
 */
export function formatOutput(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatOf(file: string): DatasetFormat {
  const format = formatFromExtension(basename(file));
  if (format) return format;
  throw new ConfigError(`cannot tell the format of ${file} from its extension`, {
    field: 'data.format',
    hint: `Set data.format to one of ${DATASET_FORMATS.join(', ')}.`,
  });
}
