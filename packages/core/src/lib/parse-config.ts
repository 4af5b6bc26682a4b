import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { didYouMean } from './closest-match';
import { ConfigError, type ReproErrorLocation } from './errors';

export interface ParseConfigParams<S extends z.ZodType> {
  schema: S;
  value: unknown;
  /** Workspace-relative path of the file the value came from. */
  file: string;
  stage?: string;
}

/**
 * Validates a config value against its zod schema. The error names the file and the
 * dotted field path, and suggests the closest known field for a misspelt key.
 */
export function parseConfig<S extends z.ZodType>(params: ParseConfigParams<S>): z.infer<S> {
  const result = params.schema.safeParse(params.value);
  if (result.success) return result.data;
  throw configErrorFromIssues(result.error.issues, params.value, { file: params.file, stage: params.stage }, params.schema);
}

/** Reads a JSON file and validates it; JSON syntax errors name the file too. */
export function readConfigFileSync<S extends z.ZodType>(schema: S, absolutePath: string, file: string, stage?: string): z.infer<S> {
  return parseConfig({ schema, value: parseJsonText(readFileSync(absolutePath, 'utf8'), file, stage), file, stage });
}

export async function readConfigFile<S extends z.ZodType>(schema: S, absolutePath: string, file: string, stage?: string): Promise<z.infer<S>> {
  return parseConfig({ schema, value: parseJsonText(await readFile(absolutePath, 'utf8'), file, stage), file, stage });
}

export function parseJsonText(text: string, file: string, stage?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, {
      file,
      stage,
      hint: 'Fix the JSON syntax (a trailing comma or a missing quote is the usual cause).',
      cause: error,
    });
  }
}

export function configErrorFromIssues(issues: readonly z.core.$ZodIssue[], value: unknown, location: ReproErrorLocation, schema?: z.ZodType): ConfigError {
  // A misspelt key also shows up as a missing required field; the unknown key is the cause.
  const first = issues.find((issue) => issue.code === 'unrecognized_keys') ?? pickMostSpecificIssue(issues);
  const path = first.path.map(String);
  if (first.code === 'unrecognized_keys') {
    const parentPath = path.join('.');
    const known = schema ? knownKeysAt(schema, first.path, value) : [];
    const key = first.keys[0]!;
    const field = parentPath ? `${parentPath}.${key}` : key;
    return new ConfigError(`Unknown field '${field}' in ${location.file}${didYouMean(key, known)}`, {
      ...location,
      field,
      hint: known.length ? `Allowed fields${parentPath ? ` in '${parentPath}'` : ''}: ${known.join(', ')}.` : `Remove '${key}' from ${location.file}.`,
    });
  }
  const field = path.join('.') || '(root)';
  return new ConfigError(`Invalid field '${field}' in ${location.file}: ${first.message}`, {
    ...location,
    field,
    hint: issues.length > 1 ? `${issues.length - 1} more problem(s) in the same file; fix this one first.` : undefined,
  });
}

function pickMostSpecificIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  // A union mismatch reports nested issues; the deepest one names the real field.
  let best = issues[0]!;
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const nested = issue.errors.flat().map((n) => ({ ...n, path: [...issue.path, ...n.path] }) as z.core.$ZodIssue);
      if (nested.length) {
        const inner = pickMostSpecificIssue(nested);
        if (inner.path.length >= best.path.length) best = inner;
      }
    }
  }
  return best;
}

type AnyDef = { type: string; [key: string]: unknown };

/** The keys an object schema allows at `path`, found by walking the schema alongside the value. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[], value: unknown): string[] {
  let current: z.ZodType | undefined = schema;
  let currentValue = value;
  for (let depth = 0; depth <= path.length && current; depth++) {
    current = unwrap(current, currentValue);
    if (!current) return [];
    if (depth === path.length) break;
    const key = path[depth]!;
    const def = current.def as AnyDef;
    currentValue = currentValue && typeof currentValue === 'object' ? (currentValue as Record<PropertyKey, unknown>)[key] : undefined;
    if (def.type === 'object') current = (def.shape as Record<string, z.ZodType>)[String(key)];
    else if (def.type === 'record') current = def.valueType as z.ZodType;
    else if (def.type === 'array') current = def.element as z.ZodType;
    else return [];
  }
  const def = current?.def as AnyDef | undefined;
  return def?.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : [];
}

function unwrap(schema: z.ZodType, value: unknown): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (let guard = 0; guard < 20 && current; guard++) {
    const def = current.def as AnyDef;
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)) {
      current = def.innerType as z.ZodType;
    } else if (def.type === 'pipe') {
      current = def.in as z.ZodType;
    } else if (def.type === 'lazy') {
      current = (def.getter as () => z.ZodType)();
    } else if (def.type === 'union') {
      const options = def.options as z.ZodType[];
      current = options.find((option) => matchesDiscriminator(option, value)) ?? options[0];
      if (options.length > 1 && !options.some((option) => matchesDiscriminator(option, value))) return undefined;
    } else {
      return current;
    }
  }
  return current;
}

function matchesDiscriminator(option: z.ZodType, value: unknown): boolean {
  const def = option.def as AnyDef;
  if (def.type !== 'object' || !value || typeof value !== 'object') return false;
  return Object.entries(def.shape as Record<string, z.ZodType>).some(([key, field]) => {
    const fieldDef = field.def as AnyDef;
    return fieldDef.type === 'literal' && (fieldDef.values as unknown[]).includes((value as Record<string, unknown>)[key]);
  });
}
