import type { Column, Table } from '@reproml/core';
import { parseNumberSpan } from './parse-number';
import type { ColumnSchema, TableSchema } from './table-schema';

export type ViolationRule = 'missing-column' | 'type' | 'nullable' | 'allowed' | 'min' | 'max' | 'extra-column';

export interface ColumnViolation {
  column: string;
  rule: ViolationRule;
  message: string;
  /** How many rows break the rule (0 for a missing or extra column). */
  rows: number;
  /** Up to five distinct offending values, in row order. */
  examples: (string | number | null)[];
  /** 1-based row numbers of the first offending rows (up to five). */
  exampleRows: number[];
}

export interface TableValidation {
  rows: number;
  columns: string[];
  valid: boolean;
  /** Rule breaks that fail the stage. */
  violations: ColumnViolation[];
  /** Columns the schema does not declare (a violation only with extraColumns: "error"). */
  extraColumns: string[];
}

const EXAMPLES = 5;

/** Checks a table against its declared schema; never throws, the caller decides what fails. */
export function validateTable(table: Table, schema: TableSchema): TableValidation {
  const violations: ColumnViolation[] = [];
  const present = new Map(table.columns.map((column) => [column.name, column]));
  for (const [name, declared] of Object.entries(schema.columns)) {
    const column = present.get(name);
    if (!column) {
      violations.push({ column: name, rule: 'missing-column', message: `column '${name}' is missing`, rows: 0, examples: [], exampleRows: [] });
      continue;
    }
    violations.push(...checkColumn(column, declared, table.rowCount));
  }
  const extraColumns = table.columns.map((column) => column.name).filter((name) => !(name in schema.columns));
  if (schema.extraColumns === 'error') {
    for (const name of extraColumns) {
      violations.push({ column: name, rule: 'extra-column', message: `column '${name}' is not in the schema`, rows: 0, examples: [], exampleRows: [] });
    }
  }
  return { rows: table.rowCount, columns: table.columns.map((c) => c.name), valid: violations.length === 0, violations, extraColumns };
}

function checkColumn(column: Column, declared: ColumnSchema, rowCount: number): ColumnViolation[] {
  const found: ColumnViolation[] = [];
  const name = column.name;
  const tally = (rule: ViolationRule, message: string, breaks: (row: number) => boolean, show: (row: number) => string | number | null) => {
    const collected = new Collector();
    for (let row = 0; row < rowCount; row++) if (breaks(row)) collected.add(row, show(row));
    if (collected.rows > 0) found.push({ column: name, rule, message, ...collected.result() });
  };
  const isMissing = (row: number) => (column.kind === 'number' ? Number.isNaN(column.values[row]!) : column.values[row] === null);
  if (!declared.nullable) tally('nullable', `column '${name}' has missing values but is not nullable`, isMissing, () => null);

  if (declared.type === 'number' && column.kind === 'string') {
    const values = column.values;
    tally(
      'type',
      `column '${name}' should hold numbers`,
      (row) => values[row] !== null && parseNumberSpan(values[row]!, 0, values[row]!.length) === undefined,
      (row) => values[row]!,
    );
    return found;
  }
  const valueAt = (row: number): string | number => (column.kind === 'number' ? column.values[row]! : column.values[row]!);
  if (declared.allowed) {
    const allowed = new Set(declared.allowed.map((value) => String(value)));
    tally(
      'allowed',
      `column '${name}' has values outside ${JSON.stringify(declared.allowed)}`,
      (row) => !isMissing(row) && !allowed.has(String(valueAt(row))),
      valueAt,
    );
  }
  if (column.kind === 'number') {
    const values = column.values;
    if (declared.min !== undefined) tally('min', `column '${name}' has values below ${declared.min}`, (row) => values[row]! < declared.min!, valueAt);
    if (declared.max !== undefined) tally('max', `column '${name}' has values above ${declared.max}`, (row) => values[row]! > declared.max!, valueAt);
  }
  return found;
}

class Collector {
  rows = 0;
  private readonly examples: (string | number | null)[] = [];
  private readonly seen = new Set<string>();
  private readonly exampleRows: number[] = [];

  add(row: number, value: string | number | null): void {
    this.rows++;
    if (this.exampleRows.length < EXAMPLES) this.exampleRows.push(row + 1);
    const key = JSON.stringify(value);
    if (this.examples.length < EXAMPLES && !this.seen.has(key)) {
      this.seen.add(key);
      this.examples.push(value);
    }
  }

  result(): Pick<ColumnViolation, 'rows' | 'examples' | 'exampleRows'> {
    return { rows: this.rows, examples: this.examples, exampleRows: this.exampleRows };
  }
}
