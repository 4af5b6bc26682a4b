import { type Column, ConfigError, findColumn, type Table } from '@reproml/core';
import { z } from 'zod';
import { ISO_DATE_FORMAT, parseDate } from './date-format';
import { requireColumn } from './require-column';
import type { StageLocation } from './stage-location';

/**
 * Column selectors: wherever a spec takes a list of columns it also takes names, glob
 * patterns and selector objects, resolved against the data at fit time. The resolved
 * names are recorded (transform.json `resolvedColumns`, the lineage summary), so a column
 * that appears in the data and is picked up by a selector is a visible change.
 */

export const COLUMN_TYPES = ['number', 'string', 'date'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

const columnName = z.string().min(1);

export const columnSelectorObjectSchema = z
  .object({
    type: z.enum(COLUMN_TYPES).optional().meta({
      description:
        'Columns of this type: "number", "string" (text that is not a date) or "date" (text whose values are all ISO-8601 dates/datetimes, or a column a "dates" rule parses).',
    }),
    pattern: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Columns whose name matches this glob pattern (* = any text, ? = one character), e.g. "pixel_*".' }),
    except: z.array(columnName).min(1).optional().meta({ description: 'Leave out these columns (names or glob patterns).' }),
  })
  .strict()
  .refine((selector) => selector.type !== undefined || selector.pattern !== undefined || selector.except !== undefined, {
    message: 'a column selector needs "type", "pattern" or "except" (e.g. { "type": "number" } or { "except": ["id"] })',
  })
  .meta({ description: 'Every column (of the step) that has this type, matches this pattern and is not in except.' });

export const columnSelectorSchema = z.union([
  columnName.meta({ description: 'A column name, or a glob pattern with * or ? (e.g. "pixel_*").' }),
  columnSelectorObjectSchema,
]);
export type ColumnSelector = z.infer<typeof columnSelectorSchema>;

/** The value of a `columns` field: one selector or a list of them (matches are concatenated, first occurrence kept). */
export const columnsSchema = z.union([columnSelectorSchema, z.array(columnSelectorSchema).min(1)]);
export type ColumnsSpec = z.infer<typeof columnsSchema>;

/** One resolved `columns` field, as transform.json and the lineage record it. */
export const resolvedColumnsSchema = z.object({ field: z.string(), columns: z.array(z.string()) });
export type ResolvedColumns = z.infer<typeof resolvedColumnsSchema>;

/** The selectors of a `columns` field as a list, each with the path of its field. */
export function selectorEntries(spec: ColumnsSpec, field: string): { selector: ColumnSelector; field: string }[] {
  return Array.isArray(spec) ? spec.map((selector, i) => ({ selector, field: `${field}[${i}]` })) : [{ selector: spec, field }];
}

/** The plain column names a `columns` field lists (no patterns or selector objects), with their field paths. */
export function namedColumns(spec: ColumnsSpec, path: readonly (string | number)[]): { name: string; path: (string | number)[] }[] {
  const entries = Array.isArray(spec) ? spec.map((selector, i) => ({ selector, path: [...path, i] })) : [{ selector: spec, path: [...path] }];
  return entries.flatMap((entry) => (typeof entry.selector === 'string' && !isGlob(entry.selector) ? [{ name: entry.selector, path: entry.path }] : []));
}

export function isGlob(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

function globRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** The selector type of a column: a date rule's column or a text column of ISO dates is "date". */
export function columnType(column: Column, dateColumns: ReadonlySet<string> = new Set()): ColumnType {
  if (column.kind === 'number') return 'number';
  if (dateColumns.has(column.name)) return 'date';
  let present = false;
  for (const value of column.values) {
    if (value === null || value === '') continue;
    if (!parseDate(value, ISO_DATE_FORMAT)) return 'string';
    present = true;
  }
  return present ? 'date' : 'string';
}

export interface ResolveColumnsParams {
  spec: ColumnsSpec;
  /** Path of the field, e.g. `impute[0].columns`. */
  field: string;
  /** The columns the step sees, in order. */
  table: Table;
  location: StageLocation;
  /** What the table is at this point, for messages, e.g. "among the feature columns". */
  when: string;
  /** Columns selectors never match (the target); explicit names are left to the step to judge. */
  exclude?: readonly string[];
  /** Columns parsed by a date rule (their type is "date"). */
  dateColumns?: ReadonlySet<string>;
  /** Receives every resolution, for transform.json and the lineage. */
  record?: ResolvedColumns[];
}

/**
 * The column names a `columns` field selects, in order: a name as listed, a pattern or a
 * selector object in table order; duplicates keep their first position. A name that does
 * not exist, and a selector or an `except` entry that matches nothing, is a ConfigError
 * naming the field.
 */
export function resolveColumns(params: ResolveColumnsParams): string[] {
  return resolveColumnEntries(params).map((entry) => entry.name);
}

/** `resolveColumns` with the field of the list entry that selected each column (e.g. `impute[0].columns[1]`). */
export function resolveColumnEntries(params: ResolveColumnsParams): { name: string; field: string }[] {
  const { table } = params;
  const excluded = new Set(params.exclude ?? []);
  const types = new Map<string, ColumnType>();
  const typeOf = (column: Column) => {
    let type = types.get(column.name);
    if (!type) types.set(column.name, (type = columnType(column, params.dateColumns)));
    return type;
  };
  const names: { name: string; field: string }[] = [];
  const seen = new Set<string>();
  for (const { selector, field } of selectorEntries(params.spec, params.field)) {
    let matched: string[];
    if (typeof selector === 'string') {
      if (findColumn(table, selector) || !isGlob(selector)) {
        matched = [requireColumn({ table, name: selector, field, location: params.location, when: params.when }).name];
      } else {
        const regex = globRegExp(selector);
        matched = table.columns.filter((column) => !excluded.has(column.name) && regex.test(column.name)).map((column) => column.name);
        if (!matched.length) throw matchesNothing(params, field, `the pattern ${JSON.stringify(selector)}`, typeOf);
      }
    } else {
      const regex = selector.pattern ? globRegExp(selector.pattern) : undefined;
      const except = exceptMatcher(params, field, selector.except ?? []);
      matched = table.columns
        .filter((column) => !excluded.has(column.name) && !except(column.name))
        .filter((column) => !regex || regex.test(column.name))
        .filter((column) => !selector.type || typeOf(column) === selector.type)
        .map((column) => column.name);
      if (!matched.length) throw matchesNothing(params, field, `the selector ${JSON.stringify(selector)}`, typeOf);
    }
    for (const name of matched) {
      if (!seen.has(name)) {
        seen.add(name);
        names.push({ name, field });
      }
    }
  }
  params.record?.push({ field: params.field, columns: names.map((entry) => entry.name) });
  return names;
}

/** A predicate for `except`; an entry that matches no column is a typo worth failing on. */
function exceptMatcher(params: ResolveColumnsParams, field: string, except: readonly string[]): (name: string) => boolean {
  const tests = except.map((entry, i) => {
    const entryField = `${field}.except[${i}]`;
    if (findColumn(params.table, entry) || !isGlob(entry)) {
      requireColumn({ table: params.table, name: entry, field: entryField, location: params.location, when: params.when });
      return (name: string) => name === entry;
    }
    const regex = globRegExp(entry);
    if (!params.table.columns.some((column) => regex.test(column.name))) {
      throw new ConfigError(`The pattern ${JSON.stringify(entry)} in ${entryField} matches no column ${params.when}`, {
        ...params.location,
        field: entryField,
        hint: `Columns: ${params.table.columns.map((c) => `'${c.name}'`).join(', ')}.`,
      });
    }
    return (name: string) => regex.test(name);
  });
  return (name) => tests.some((test) => test(name));
}

function matchesNothing(params: ResolveColumnsParams, field: string, what: string, typeOf: (column: Column) => ColumnType): ConfigError {
  const excluded = new Set(params.exclude ?? []);
  const candidates = params.table.columns.filter((column) => !excluded.has(column.name));
  return new ConfigError(`${what} in ${field} matches no column ${params.when}`, {
    ...params.location,
    field,
    hint: `Columns and their types: ${candidates.map((column) => `'${column.name}' (${typeOf(column)})`).join(', ') || 'none'}. Fix the selector or remove the rule.`,
  });
}

export interface ResolveColumnKeysParams<V> {
  /** A per-column record of the spec (`casts`, `missingValues`): keys are column names or glob patterns. */
  entries: Record<string, V>;
  /** The record's field, e.g. `casts`. */
  field: string;
  table: Table;
  location: StageLocation;
  /** Which columns a glob key may match (e.g. text columns for missingValues); names are left to the step to judge. */
  accept?: (column: Column) => boolean;
  record?: ResolvedColumns[];
}

/**
 * The value for each column of a per-column record whose keys are names or globs
 * (`"casts": { "zip_*": "string" }`, `"missingValues": { "*": ["NA"] }`), with the field of
 * the key. A glob that matches nothing, a name that does not exist and a column two keys
 * name are ConfigErrors.
 */
export function resolveColumnKeys<V>(params: ResolveColumnKeysParams<V>): Map<string, { value: V; field: string }> {
  const out = new Map<string, { value: V; field: string }>();
  for (const [key, value] of Object.entries(params.entries)) {
    const field = `${params.field}.${key}`;
    let names: string[];
    if (findColumn(params.table, key) || !isGlob(key)) {
      names = [requireColumn({ table: params.table, name: key, field, location: params.location }).name];
    } else {
      const regex = globRegExp(key);
      names = params.table.columns.filter((column) => regex.test(column.name) && (params.accept?.(column) ?? true)).map((column) => column.name);
      if (!names.length) {
        throw new ConfigError(`The pattern ${JSON.stringify(key)} in ${params.field} matches no column it applies to`, {
          ...params.location,
          field,
          hint: `Columns: ${params.table.columns.map((c) => `'${c.name}' (${c.kind})`).join(', ')}.`,
        });
      }
    }
    for (const name of names) {
      const previous = out.get(name);
      if (previous) {
        throw new ConfigError(`Column '${name}' is named by ${previous.field} and by ${field}`, {
          ...params.location,
          field,
          hint: 'Give each column one entry: narrow the pattern or remove one of the two.',
        });
      }
      out.set(name, { value, field });
    }
    params.record?.push({ field, columns: names });
  }
  return out;
}
