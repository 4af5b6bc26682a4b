import { type Column, DataError, type Table } from '@reproml/core';
import type { DataFrame } from 'danfojs-node';
import { describeRows } from './describe-rows';

type Danfo = typeof import('danfojs-node');

let danfo: Danfo | undefined;

/**
 * danfojs-node, loaded on first use: it pulls in tfjs (~0.7 s), and only custom transforms
 * and inspection need it. The hot path never does (see ARCHITECTURE.md, "Preprocessing").
 */
export function loadDanfo(): Danfo {
  danfo ??= require('danfojs-node') as Danfo;
  return danfo;
}

/** A danfojs DataFrame over a Table's columns (numbers as plain numbers with NaN, strings with null). */
export function tableToDataFrame(table: Table): DataFrame {
  const dfd = loadDanfo();
  const data: Record<string, (number | string | null)[]> = {};
  for (const column of table.columns) data[column.name] = column.kind === 'number' ? Array.from(column.values) : [...column.values];
  return new dfd.DataFrame(data, { columns: table.columns.map((column) => column.name) });
}

export interface DataFrameToTableParams {
  frame: DataFrame;
  /** The table the frame was made from: a column that came back all-missing keeps its kind. */
  original?: Table;
  /** What produced the frame, for messages (e.g. "custom transform ./add-ratios.ts"). */
  source: string;
  /** Input-file row of each row (0-based), for messages. */
  rowNumbers?: ArrayLike<number>;
}

/** Back to a Table: float/int columns → numbers (booleans → 0/1), string columns → strings; a mixed column fails. */
export function dataFrameToTable(params: DataFrameToTableParams): Table {
  const { frame } = params;
  const names = frame.columns as string[];
  const dtypes = frame.dtypes as string[];
  const rowCount = frame.shape[0] ?? 0;
  const columns = names.map((name, index): Column => {
    const values = frame.column(name).values as unknown[];
    const originalKind = params.original?.columns.find((column) => column.name === name)?.kind;
    const allMissing = values.every(isMissingCell);
    const kind = allMissing && originalKind ? originalKind : dtypes[index] === 'string' ? 'string' : 'number';
    return kind === 'string' ? stringColumn(name, values, params) : numberColumn(name, values);
  });
  return { columns, rowCount };
}

function isMissingCell(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

function numberColumn(name: string, values: unknown[]): Column {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    out[i] = isMissingCell(value) ? NaN : typeof value === 'boolean' ? (value ? 1 : 0) : Number(value);
  }
  return { name, kind: 'number', values: out };
}

function stringColumn(name: string, values: unknown[], params: DataFrameToTableParams): Column {
  const out: (string | null)[] = new Array(values.length);
  const badRows: number[] = [];
  let example: unknown;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (isMissingCell(value)) out[i] = null;
    else if (typeof value === 'string') out[i] = value;
    else {
      badRows.push(params.rowNumbers ? params.rowNumbers[i]! : i);
      example ??= value;
    }
  }
  if (badRows.length) {
    throw new DataError(
      `${params.source} returned column '${name}' mixing strings with ${typeof example} values (e.g. ${JSON.stringify(example)}) in ${describeRows(badRows)}`,
      { field: name, hint: 'Return one kind per column: convert the values with String(...) or Number(...) in the transform.' },
    );
  }
  return { name, kind: 'string', values: out };
}
