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
  const validator = new TableValidator(
    schema,
    table.columns.map(({ name, kind }) => ({ name, kind })),
  );
  for (const column of table.columns) validator.column(column.name)?.add(column, table.rowCount, 0);
  return validator.result(table.rowCount);
}

/**
 * `validateTable` fed a window of rows at a time: one `ColumnValidator` per declared column
 * present, each given its column's windows in row order (`firstRow`: the window's first row).
 */
export class TableValidator {
  private readonly validators = new Map<string, ColumnValidator>();

  constructor(
    private readonly schema: TableSchema,
    private readonly columns: readonly { name: string; kind: Column['kind'] }[],
  ) {
    for (const { name, kind } of columns) this.replace(name, kind);
  }

  /** The validator of a declared column (undefined for an undeclared one). */
  column(name: string): ColumnValidator | undefined {
    return this.validators.get(name);
  }

  /** Starts a column over with another kind (a column read again as text). */
  replace(name: string, kind: Column['kind']): void {
    const declared = this.schema.columns[name];
    if (declared) this.validators.set(name, new ColumnValidator(name, kind, declared));
  }

  result(rows: number): TableValidation {
    const violations: ColumnViolation[] = [];
    for (const name of Object.keys(this.schema.columns)) {
      const validator = this.validators.get(name);
      if (!validator) {
        violations.push({ column: name, rule: 'missing-column', message: `column '${name}' is missing`, rows: 0, examples: [], exampleRows: [] });
        continue;
      }
      violations.push(...validator.violations());
    }
    const names = this.columns.map((column) => column.name);
    const extraColumns = names.filter((name) => !(name in this.schema.columns));
    if (this.schema.extraColumns === 'error') {
      for (const name of extraColumns) {
        violations.push({ column: name, rule: 'extra-column', message: `column '${name}' is not in the schema`, rows: 0, examples: [], exampleRows: [] });
      }
    }
    return { rows, columns: names, valid: violations.length === 0, violations, extraColumns };
  }
}

interface Rule {
  rule: ViolationRule;
  message: string;
  breaks: (column: Column, row: number) => boolean;
  show: (column: Column, row: number) => string | number | null;
  found: Collector;
}

/** The rules of one declared column, checked window by window. */
export class ColumnValidator {
  private readonly rules: Rule[] = [];

  constructor(
    private readonly name: string,
    kind: Column['kind'],
    declared: ColumnSchema,
  ) {
    const rule = (rule: ViolationRule, message: string, breaks: Rule['breaks'], show: Rule['show']) =>
      this.rules.push({ rule, message, breaks, show, found: new Collector() });
    const isMissing = (column: Column, row: number) => (column.kind === 'number' ? Number.isNaN(column.values[row]!) : column.values[row] === null);
    const valueAt = (column: Column, row: number): string | number => column.values[row]!;
    if (!declared.nullable) rule('nullable', `column '${name}' has missing values but is not nullable`, isMissing, () => null);
    if (declared.type === 'number' && kind === 'string') {
      const text = (column: Column, row: number) => column.values[row] as string | null;
      rule(
        'type',
        `column '${name}' should hold numbers`,
        (column, row) => text(column, row) !== null && parseNumberSpan(text(column, row)!, 0, text(column, row)!.length) === undefined,
        (column, row) => text(column, row),
      );
      return;
    }
    if (declared.allowed) {
      const allowed = new Set(declared.allowed.map((value) => String(value)));
      rule(
        'allowed',
        `column '${name}' has values outside ${JSON.stringify(declared.allowed)}`,
        (column, row) => !isMissing(column, row) && !allowed.has(String(valueAt(column, row))),
        valueAt,
      );
    }
    if (kind === 'number') {
      const min = declared.min;
      const max = declared.max;
      if (min !== undefined) rule('min', `column '${name}' has values below ${min}`, (column, row) => (column.values[row] as number) < min, valueAt);
      if (max !== undefined) rule('max', `column '${name}' has values above ${max}`, (column, row) => (column.values[row] as number) > max, valueAt);
    }
  }

  /** Checks rows `0 … rows` of a window whose first row is row `firstRow` of the file. */
  add(column: Column, rows: number, firstRow: number): void {
    for (const rule of this.rules) {
      const { breaks, show, found } = rule;
      for (let row = 0; row < rows; row++) if (breaks(column, row)) found.add(firstRow + row, show(column, row));
    }
  }

  violations(): ColumnViolation[] {
    return this.rules.filter(({ found }) => found.rows > 0).map(({ rule, message, found }) => ({ column: this.name, rule, message, ...found.result() }));
  }
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
