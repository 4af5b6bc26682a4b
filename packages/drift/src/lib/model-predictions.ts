import type { Column, Table } from '@reproml/core';
import { type LoadedModel, predictTable } from '@reproml/onnx';

export interface ModelPredictionsParams {
  model: LoadedModel;
  table: Table;
  /** String values each string input was fitted on: rows with another value are left out (an encoder with unseen "error" would fail on them). */
  knownValues: Map<string, Set<string>>;
  batchSize: number;
  file: string;
}

/**
 * The model's output on every row it can score, as one column: class names (classification)
 * or predicted values (regression), plus how many rows were left out.
 */
export async function modelPredictions(params: ModelPredictionsParams): Promise<{ column: Column; excludedRows: number }> {
  const { model, table } = params;
  const scorable = scorableRows(table, params.knownValues);
  const classes = model.signature.classes;
  const labels: number[] = [];
  for (let start = 0; start < scorable.length; start += params.batchSize) {
    const rows = scorable.slice(start, start + params.batchSize);
    const predictions = await predictTable({ model, table: takeRows(table, rows), file: params.file });
    for (const label of predictions.label) labels.push(label);
  }
  const column: Column = classes?.length
    ? { name: 'prediction', kind: 'string', values: labels.map((label) => classes[label] ?? String(label)) }
    : { name: 'prediction', kind: 'number', values: Float64Array.from(labels) };
  return { column, excludedRows: table.rowCount - scorable.length };
}

function scorableRows(table: Table, knownValues: Map<string, Set<string>>): number[] {
  const rows: number[] = [];
  for (let row = 0; row < table.rowCount; row++) {
    const unknown = table.columns.some((column) => {
      const known = knownValues.get(column.name);
      if (column.kind !== 'string' || !known) return false;
      const value = column.values[row];
      return value !== null && value !== undefined && !known.has(value);
    });
    if (!unknown) rows.push(row);
  }
  return rows;
}

function takeRows(table: Table, rows: number[]): Table {
  return {
    rowCount: rows.length,
    columns: table.columns.map((column) =>
      column.kind === 'number'
        ? { ...column, values: Float64Array.from(rows, (row) => column.values[row]!) }
        : { ...column, values: rows.map((row) => column.values[row] ?? null) },
    ),
  };
}
